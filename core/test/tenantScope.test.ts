/**
 * Tenant scoping by row-level security (004_row_security.sql, db/tenantDb.ts), on PGlite and
 * on a real PostgreSQL: the app's connection sees no row of any tenant table unless its
 * transaction names a tenant, then only that tenant's; it cannot switch the policies off; and
 * the cross-tenant door opens only when named.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, postgresForFile } from '@kuaichu/testkit/postgres';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { APP_ROLE, type Db } from '../src/db/db.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { acrossTenants, forTenant } from '../src/db/tenantDb.ts';

const pg = postgresForFile();

/** Every table of the schema with a tenant column, from the catalogue (so a new one is covered too). */
async function tenantTables(db: Db): Promise<string[]> {
  const rows = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant' ORDER BY table_name");
  return rows.map((r) => r.table_name);
}

const REQUIRED = ['audit_log', 'case_events', 'case_number_counters', 'cases', 'claims', 'counters', 'determinations', 'evidence', 'otp_challenges',
  'otp_client_throttles', 'reviews', 'seats', 'sessions', 'staff', 'staff_login_throttles'];

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`tenant scoping on ${kind}`, () => {
    let t: TestCore;
    let tables: string[];
    before(async () => {
      t = await startTestCore(kind === 'pglite' ? { kind } : { kind, url: await createDatabase(pg.url, 'scope') });
      // Rows in several tables of two cities: demo staff and seats (seeded), sessions, a case each.
      await t.staff('harbin', 'officer');
      await t.staff('kunming', 'officer');
      tables = await tenantTables(t.db);
    });
    after(() => t?.close());

    test('the app runs as kuaichu_app: no superuser, no BYPASSRLS, owner of no table', async () => {
      const [me] = await t.db.query<{ current_user: string; rolsuper: boolean; rolbypassrls: boolean }>(
        'SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user');
      assert.deepEqual(me, { current_user: APP_ROLE, rolsuper: false, rolbypassrls: false });
      const [owned] = await t.db.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user");
      assert.equal(Number(owned!.n), 0);
    });

    test('every table with a tenant column has row-level security forced and the tenant policy', async () => {
      for (const name of REQUIRED) assert.ok(tables.includes(name), `${name} has a tenant column`);
      const rows = await t.db.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; policies: string[] }>(
        `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           array(SELECT p.policyname::text FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname ORDER BY 1) AS policies
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = ANY($1::text[]) ORDER BY c.relname`, [tables]);
      assert.deepEqual(rows.map((r) => [r.relname, r.relrowsecurity, r.relforcerowsecurity, r.policies]), tables.map((name) => [name, true, true, ['tenant_scope']]));
    });

    test('without a tenant a statement sees no row of any tenant table and can write none', async () => {
      const everywhere = await acrossTenants(t.db, 'test: rows exist', (q) => q.query<{ n: string }>('SELECT count(*) AS n FROM staff'));
      assert.ok(Number(everywhere[0]!.n) > 10, 'the cities have staff (so "no rows" below means hidden, not absent)');
      for (const name of tables) {
        const [plain] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
        assert.equal(Number(plain!.n), 0, `${name} without a tenant`);
        // A transaction that names no tenant is no different.
        const [inTx] = await t.db.tx((q) => q.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`));
        assert.equal(Number(inTx!.n), 0, `${name} in a transaction without a tenant`);
      }
      await assert.rejects(
        t.db.query("INSERT INTO counters (tenant, scope, last) VALUES ('harbin', 'probe', 1)"),
        /row-level security/,
      );
      const updated = await t.db.query("UPDATE staff SET display_name = 'x' RETURNING id");
      assert.equal(updated.length, 0);
    });

    test('scoped to one tenant, a statement never sees or writes another tenant’s rows', async () => {
      const harbin = forTenant(t.db, 'harbin');
      const kunming = forTenant(t.db, 'kunming');
      const mine = await harbin.query<{ tenant: string }>('SELECT tenant FROM staff');
      assert.ok(mine.length > 0);
      assert.deepEqual([...new Set(mine.map((r) => r.tenant))], ['harbin']);
      assert.deepEqual(await harbin.query("SELECT id FROM staff WHERE tenant = 'kunming'"), []);
      assert.deepEqual(await harbin.query("UPDATE staff SET display_name = 'x' WHERE tenant = 'kunming' RETURNING id"), []);
      await assert.rejects(harbin.query("INSERT INTO counters (tenant, scope, last) VALUES ('kunming', 'probe', 1)"), /row-level security/);
      // A row of one's own tenant may not be moved to another.
      await assert.rejects(harbin.query("UPDATE seats SET tenant = 'kunming'"), /row-level security/);
      const theirs = await kunming.query<{ tenant: string }>('SELECT DISTINCT tenant FROM staff');
      assert.deepEqual(theirs, [{ tenant: 'kunming' }]);
      // The tenant lasts for its transaction only: the connection is clean afterwards.
      assert.deepEqual(await t.db.query<{ n: string }>('SELECT count(*)::int AS n FROM staff'), [{ n: 0 }]);
    });

    test('the app role cannot switch row-level security off', async () => {
      // As a role that does not bypass RLS, row_security = off makes every filtered query an error.
      await assert.rejects(
        t.db.tx(async (q) => {
          await q.query('SET LOCAL row_security = off');
          return q.query('SELECT count(*) FROM staff');
        }),
        /row-level security/,
      );
      await assert.rejects(t.db.query('ALTER TABLE staff DISABLE ROW LEVEL SECURITY'), /must be owner|permission denied/);
      await assert.rejects(t.db.query('DROP POLICY tenant_scope ON staff'), /must be owner|permission denied/);
      await assert.rejects(t.db.query(`ALTER ROLE ${APP_ROLE} BYPASSRLS`), /permission denied|must be superuser|privilege/);
    });

    test('the cross-tenant door opens only when named', async () => {
      const tenants = await acrossTenants(t.db, 'test: every city', (q) => q.query<{ tenant: string }>('SELECT DISTINCT tenant FROM staff ORDER BY 1'));
      assert.ok(tenants.length >= 2 && tenants.some((r) => r.tenant === 'harbin') && tenants.some((r) => r.tenant === 'kunming'));
      await assert.rejects(acrossTenants(t.db, '  ', (q) => q.query('SELECT 1')), /name the reason/);
      const [blank] = await t.db.tx(async (q) => {
        await q.query("SELECT set_config('kuaichu.across', '', true)");
        return q.query<{ n: number }>('SELECT count(*)::int AS n FROM staff');
      });
      assert.equal(blank!.n, 0, 'an empty reason opens nothing');
      assert.throws(() => forTenant(t.db, ''), /no tenant/);
    });
  });
}

test('postgres: signed in as the app role (KUAICHU_APP_DATABASE_URL), no statement can return to the owner', async () => {
  const url = await createDatabase(pg.url, 'scope_login');
  const db = await openPostgres(url, { max: 2, appUrl: url.replace('postgres://postgres@', `postgres://${APP_ROLE}@`) });
  try {
    await migrate(db);
    await db.restrict();
    await db.query('RESET ROLE');
    const [me] = await db.query<{ current_user: string; session_user: string }>('SELECT current_user, session_user');
    assert.deepEqual(me, { current_user: APP_ROLE, session_user: APP_ROLE });
    await assert.rejects(db.query('SET ROLE postgres'), /permission denied/);
    await forTenant(db, 'harbin').query("INSERT INTO counters (tenant, scope, last) VALUES ('harbin', 'probe', 1)");
    assert.deepEqual(await db.query('SELECT * FROM counters'), []);
    assert.deepEqual(await forTenant(db, 'harbin').query<{ last: number }>('SELECT last FROM counters'), [{ last: 1 }]);
    // Migrations belong to the owner: a restricted connection only checks that none is pending.
    assert.deepEqual(await migrate(db), []);
  } finally {
    await db.close();
  }
});
