-- Sign-in throttles that hold across server processes (issue 11.1, 11.7), and an audit trail.

-- Failed staff sign-ins per account name (known or not: the same answer for both, so no
-- enumeration). From the 5th failure on, the account is locked for a time that doubles.
CREATE TABLE staff_login_throttles (
  tenant           text NOT NULL,
  username         text NOT NULL,
  failures         int NOT NULL DEFAULT 0,
  last_failure_at  timestamptz NOT NULL,
  locked_until     timestamptz,
  PRIMARY KEY (tenant, username)
);

-- Who did what to whom outside a case's own event log (account locks and unlocks …).
-- actor is a staff id, or null for the system itself.
CREATE TABLE audit_log (
  id        bigserial PRIMARY KEY,
  tenant    text NOT NULL,
  at        timestamptz NOT NULL,
  actor     uuid,
  action    text NOT NULL,
  subject   text NOT NULL,
  details   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant, at);

-- Party sign-in codes, one per request (a challenge the requesting device holds): a code is
-- good only with its challenge, so wrong tries from another device never void the driver's.
-- The single code per phone of 001 is replaced.
DROP TABLE otp_codes;
CREATE TABLE otp_challenges (
  challenge_hash  text PRIMARY KEY,
  tenant          text NOT NULL,
  phone           text NOT NULL,
  client          text NOT NULL,
  code_hash       text NOT NULL,
  sent_at         timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  attempts        int NOT NULL DEFAULT 0
);
CREATE INDEX otp_challenges_by_phone ON otp_challenges (tenant, phone, sent_at);

-- Per phone and requesting client: when a code last went out, and the backoff after a code
-- was voided by too many wrong tries (strikes double the wait for the next code).
CREATE TABLE otp_client_throttles (
  tenant          text NOT NULL,
  phone           text NOT NULL,
  client          text NOT NULL,
  strikes         int NOT NULL DEFAULT 0,
  last_strike_at  timestamptz,
  blocked_until   timestamptz,
  PRIMARY KEY (tenant, phone, client)
);
