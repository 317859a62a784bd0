-- Outbound deliveries (issue 13): what kuaichu sends to a counterpart in the background, from
-- this outbox — an insurer's claim push (kind 'claim', the party's one tap) and, in
-- claims.mode realtime, the determination shared as issued (kind 'determination'); and each case
-- state change for the 12123 app (kind 'progress', written by the bus consumer). A row is
-- written in the transaction that decides it; the worker (core/src/deliveries/worker.ts) sends
-- it, retries with backoff, and dead-letters it after the port's maxAttempts.
--   status: queued (not tried yet) → delivered | failed (will be retried at next_at) → … → dead
-- idempotency_key is unique per tenant and goes out as the Idempotency-Key header, so a
-- counterpart that got a retry of something it already took can answer with what it answered.
CREATE TABLE deliveries (
  tenant          text NOT NULL,
  id              uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('claim', 'determination', 'progress')),
  case_id         uuid NOT NULL,
  target          text NOT NULL,
  plate           text NOT NULL,
  idempotency_key text NOT NULL,
  payload         jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'delivered', 'failed', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_at         timestamptz NOT NULL,
  last_error      text,
  receipt         jsonb,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  delivered_at    timestamptz,
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, idempotency_key)
);
CREATE INDEX deliveries_due ON deliveries (tenant, next_at) WHERE status IN ('queued', 'failed');
CREATE INDEX deliveries_case ON deliveries (tenant, case_id);

-- Tenant scoping as every tenant table (004_row_security.sql); the grants come from its default privileges.
ALTER TABLE deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON deliveries USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
