-- kuaichu's system of record. Every row carries its tenant, and every key starts with it:
-- queries are scoped by tenant by construction, and a tenant's data can be moved or
-- deleted as a unit. Times are timestamptz (UTC); local time is for rules and display.

-- Staff (民警, 接警员): belong to exactly one tenant.
CREATE TABLE staff (
  tenant        text NOT NULL,
  id            uuid NOT NULL,
  username      text NOT NULL,
  display_name  text NOT NULL,
  password_hash text NOT NULL,
  roles         text[] NOT NULL,
  brigade_id    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, username)
);

-- Seats (坐席): a staff member with the seat role taking calls. status: away | available | ringing | busy.
CREATE TABLE seats (
  tenant      text NOT NULL,
  staff_id    uuid NOT NULL,
  brigade_id  text,
  status      text NOT NULL DEFAULT 'away',
  idle_since  timestamptz,
  case_id     uuid,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, staff_id),
  FOREIGN KEY (tenant, staff_id) REFERENCES staff (tenant, id)
);
CREATE INDEX seats_available ON seats (tenant, status, idle_since);

-- Sessions of staff and parties; the token itself is never stored, only its SHA-256.
CREATE TABLE sessions (
  token_hash  text PRIMARY KEY,
  tenant      text NOT NULL,
  staff_id    uuid,
  party_phone text,
  channel     text,
  csrf        text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- One-time sign-in codes for parties (hashed; attempts counted).
CREATE TABLE otp_codes (
  tenant      text NOT NULL,
  phone       text NOT NULL,
  code_hash   text NOT NULL,
  sent_at     timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  attempts    int NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, phone)
);

-- Cases (案件). state follows core/src/cases/transitions.ts; seq is the last event's sequence.
CREATE TABLE cases (
  tenant         text NOT NULL,
  id             uuid NOT NULL,
  number         text NOT NULL,
  state          text NOT NULL,
  seq            int NOT NULL,
  client_key     text NOT NULL,
  party_phone    text NOT NULL,
  channel        text NOT NULL,
  district       text,
  brigade_id     text,
  report         jsonb NOT NULL,
  decision       jsonb NOT NULL,
  reported_at    timestamptz NOT NULL,
  -- queue (ACD): cases wait in (priority, queued_at) order; a resumed call jumps the queue.
  queued_at      timestamptz,
  queue_priority int NOT NULL DEFAULT 0,
  ring_seat      uuid,
  ring_deadline  timestamptz,
  seat_id        uuid,
  preferred_seat uuid,
  answered_at    timestamptz,
  interrupted_at timestamptz,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, number),
  UNIQUE (tenant, party_phone, client_key)
);
CREATE INDEX cases_queue ON cases (tenant, state, queue_priority DESC, queued_at);
CREATE INDEX cases_party ON cases (tenant, party_phone, reported_at DESC);

-- Case numbers (HRB-260601-000123) draw from one sequence: nextval never blocks, so intake
-- does not serialise on a counter row.
CREATE SEQUENCE case_number_seq;

-- Per-tenant counters for low-rate numbers (determinations: HRB-2026-000001).
CREATE TABLE counters (
  tenant text NOT NULL,
  scope  text NOT NULL,
  last   int NOT NULL,
  PRIMARY KEY (tenant, scope)
);

-- Domain events: the case's history and the outbox. Written in the same transaction as the
-- state change; published_at is set by the relay once the bus has the event.
CREATE TABLE case_events (
  tenant       text NOT NULL,
  case_id      uuid NOT NULL,
  seq          int NOT NULL,
  id           uuid NOT NULL UNIQUE,
  type         text NOT NULL,
  payload      jsonb NOT NULL,
  actor        text NOT NULL,
  at           timestamptz NOT NULL,
  published_at timestamptz,
  PRIMARY KEY (tenant, case_id, seq)
);
CREATE INDEX case_events_unpublished ON case_events (at) WHERE published_at IS NULL;

-- Evidence (证据): append-only; each item chained to the previous item's hash of its case.
CREATE TABLE evidence (
  tenant       text NOT NULL,
  case_id      uuid NOT NULL,
  seq          int NOT NULL,
  id           uuid NOT NULL,
  item         text NOT NULL,
  kind         text NOT NULL,
  file_sha256  text,
  content_type text,
  size         int,
  data         jsonb NOT NULL,
  supersedes   uuid,
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant, case_id, seq),
  UNIQUE (tenant, id)
);

-- Determinations (事故认定书, simple procedure).
CREATE TABLE determinations (
  tenant          text NOT NULL,
  case_id         uuid NOT NULL,
  number          text NOT NULL,
  parties         jsonb NOT NULL,
  facts           text NOT NULL,
  chain_head      text NOT NULL,
  -- what the document says (sorted JSON) and its hash: /verify recomputes both
  content         jsonb NOT NULL,
  content_sha256  text NOT NULL,
  document_sha256 text NOT NULL,
  verify_code     text NOT NULL UNIQUE,
  issued_by       uuid NOT NULL,
  issued_at       timestamptz NOT NULL,
  served_at       timestamptz,
  PRIMARY KEY (tenant, case_id),
  UNIQUE (tenant, number)
);

-- Review requests (复核).
CREATE TABLE reviews (
  tenant       text NOT NULL,
  case_id      uuid NOT NULL,
  id           uuid NOT NULL,
  party_phone  text NOT NULL,
  reason       text NOT NULL,
  requested_at timestamptz NOT NULL,
  decided_at   timestamptz,
  decided_by   uuid,
  outcome      text,
  PRIMARY KEY (tenant, id)
);

-- Claim pushes (定损理赔), one per vehicle's insurer.
CREATE TABLE claims (
  tenant     text NOT NULL,
  case_id    uuid NOT NULL,
  insurer_id text NOT NULL,
  plate      text NOT NULL,
  claim_no   text NOT NULL,
  pushed_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant, case_id, insurer_id, plate)
);
