-- Tenant scoping by PostgreSQL itself (issue 12): the app runs as kuaichu_app, which is no
-- superuser, owns no table and cannot bypass row-level security; every tenant table shows and
-- takes only the rows of the tenant its transaction named with
--   SELECT set_config('kuaichu.tenant', <tenant>, true)
-- (core/src/db/tenantDb.ts: forTenant). A statement that names none sees no row and can write
-- none. Work that genuinely spans tenants names its reason in 'kuaichu.across' instead
-- (acrossTenants: the outbox relay, a session found by its token, a document by its code).
-- FORCE binds the tables' owner too; only a superuser (the migrating user on PGlite and in
-- tests) is above it, which is why the app never keeps the owner's connection.

-- The role is cluster-wide: another database of the cluster may have made it already. It may
-- sign in (KUAICHU_APP_DATABASE_URL), but has no password until the operator gives it one.
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kuaichu_app') THEN CREATE ROLE kuaichu_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$;
ALTER ROLE kuaichu_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;

-- What the app does with the tables: read and write rows, never change the schema.
GRANT USAGE ON SCHEMA public TO kuaichu_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kuaichu_app;
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM kuaichu_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kuaichu_app;
-- Tables of later migrations get the same grants; each must also get its policy below (a test
-- checks every table with a tenant column has one: core/test/tenantScope.test.ts).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kuaichu_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO kuaichu_app;

-- The one rule of every policy: the transaction's tenant, or a named cross-tenant job.
CREATE FUNCTION kuaichu_visible(row_tenant text) RETURNS boolean LANGUAGE sql STABLE AS 'SELECT row_tenant = current_setting(''kuaichu.tenant'', true) OR current_setting(''kuaichu.across'', true) <> ''''';

ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON staff USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE seats ENABLE ROW LEVEL SECURITY;
ALTER TABLE seats FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON seats USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON sessions USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE cases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON cases USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE counters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON counters USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE case_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON case_events USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE evidence ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON evidence USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE determinations ENABLE ROW LEVEL SECURITY;
ALTER TABLE determinations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON determinations USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON reviews USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE claims ENABLE ROW LEVEL SECURITY;
ALTER TABLE claims FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON claims USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE staff_login_throttles ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_login_throttles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON staff_login_throttles USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON audit_log USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE otp_challenges ENABLE ROW LEVEL SECURITY;
ALTER TABLE otp_challenges FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON otp_challenges USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE otp_client_throttles ENABLE ROW LEVEL SECURITY;
ALTER TABLE otp_client_throttles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON otp_client_throttles USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
ALTER TABLE case_number_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_number_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON case_number_counters USING (kuaichu_visible(tenant)) WITH CHECK (kuaichu_visible(tenant));
