-- Request rate limits shared by every server process (issue 15): the per-route limits of
-- @fastify/rate-limit (sign-in, codes, reports, the eligibility check, integrations) counted in
-- one row per (route, client) and window, so N processes behind a balancer hold one limit,
-- not N. The key is a SHA-256 of route and client address: no address is stored.
-- A client is not a tenant (the limits come before anyone signed in), so the table has no
-- tenant column; row-level security still binds it: only the named cross-tenant job
-- 'rate limits' (core/src/http/rateLimitStore.ts) sees or writes a row.
CREATE TABLE rate_limit_hits (
  key          text PRIMARY KEY,
  hits         integer NOT NULL,
  window_ends  timestamptz NOT NULL
);
CREATE INDEX rate_limit_hits_expiry ON rate_limit_hits (window_ends);

ALTER TABLE rate_limit_hits ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_limit_hits FORCE ROW LEVEL SECURITY;
CREATE POLICY rate_limits_job ON rate_limit_hits USING (current_setting('kuaichu.across', true) = 'rate limits') WITH CHECK (current_setting('kuaichu.across', true) = 'rate limits');
