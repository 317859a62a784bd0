/**
 * Case numbers per city and local year (issue 11.6): HRB-260601-000001 is Harbin's first case
 * of 2026 whatever Kunming took before it, so a number tells nothing of another city's volume.
 * On PGlite and on PostgreSQL: concurrent reports (two server instances on one PostgreSQL) get
 * distinct consecutive numbers, a retry takes none, and an install with numbers from the old
 * shared sequence keeps them and continues each city after its own highest.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, postgresForFile } from '@kuaichu/testkit/postgres';
import { DEMO_PASSWORD, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { PLACES } from './helpers.ts';
import { ManualClock } from '../src/clock.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import type { Db } from '../src/db/db.ts';
import { startCore } from '../src/server.ts';
import { reportCase } from '../src/cases/intake.ts';
import { acrossTenants, forTenant } from '../src/db/tenantDb.ts';

const at = (lngLat: readonly number[]) => ({ lng: lngLat[0]!, lat: lngLat[1]! });
const DAOLI = at(PLACES.harbin.道里区);
const ACHENG = at(PLACES.harbin.阿城区);
const WUHUA = at(PLACES.kunming.五华区);
const CHONGCHUAN = at(PLACES.nantong.崇川区);
const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/db/migrations');

const pg = postgresForFile();

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`case numbers per city and year on ${kind}`, () => {
    let t: TestCore;
    let url = '';
    let n = 0;
    const parties = new Map<string, string>();
    const party = async (tenant: string, phone: string) => {
      if (!parties.has(`${tenant}/${phone}`)) parties.set(`${tenant}/${phone}`, await t.party(tenant, phone));
      return parties.get(`${tenant}/${phone}`)!;
    };
    /** Moves the clock; party sessions of before have run out by then. */
    const setClock = (iso: string) => (t.clock.set(iso), parties.clear());
    /** Reports through the API on `core` (default: t) and answers the case number. */
    async function report(tenant: string, phone: string, location: { lng: number; lat: number }, clientKey = `numbers-${kind}-${++n}-abcdef`, core: TestCore = t): Promise<string> {
      const r = await core.call('POST', '/api/cases', { token: await party(tenant, phone), body: { clientKey, report: { location, kind: 'motor_motor' } } });
      assert.ok(r.statusCode === 201 || r.statusCode === 200, r.body);
      return r.json().number as string;
    }

    before(async () => {
      url = kind === 'postgres' ? await createDatabase(pg.url, 'numbers') : '';
      t = await startTestCore(kind === 'pglite' ? { kind } : { kind, url });
    });
    after(async () => {
      await t?.close();
    });

    test("each city counts its own cases: Kunming's reports do not move Harbin's numbers", async () => {
      assert.equal(await report('kunming', '13900000201', WUHUA), 'KMG-260601-000001');
      assert.equal(await report('harbin', '13800000201', DAOLI), 'HRB-260601-000001', 'not 000002: Kunming took the first number of its own count');
      assert.equal(await report('kunming', '13900000201', WUHUA), 'KMG-260601-000002');
      assert.equal(await report('harbin', '13800000202', ACHENG), 'HRB-260601-000002', 'a refused report is recorded and numbered too');
      assert.equal(await report('harbin', '13800000201', DAOLI), 'HRB-260601-000003');
    });

    test('a retry with the same client key answers the same case and takes no number', async () => {
      const first = await report('harbin', '13800000203', DAOLI, 'numbers-retry-abcdef');
      assert.equal(await report('harbin', '13800000203', DAOLI, 'numbers-retry-abcdef'), first);
      const next = await report('harbin', '13800000203', DAOLI);
      assert.equal(Number(next.slice(-6)), Number(first.slice(-6)) + 1, `${first} then ${next}: no number burnt by the retry`);
    });

    test("the count starts again at 1 in the city's new local year", async () => {
      setClock('2026-12-31T23:50:00+08:00');
      const last = await report('harbin', '13800000201', DAOLI);
      assert.match(last, /^HRB-261231-0000\d\d$/);
      // 16:30 UTC on 31 December is already 1 January 2027 in Harbin.
      setClock('2026-12-31T16:30:00Z');
      assert.equal(await report('harbin', '13800000201', DAOLI), 'HRB-270101-000001');
      assert.equal(await report('kunming', '13900000201', WUHUA), 'KMG-270101-000001');
      const rows = await acrossTenants(t.db, 'test: every city\'s counters', (q) => q.query<{ tenant: string; year: number; last: string }>('SELECT tenant, year, last FROM case_number_counters ORDER BY tenant, year'));
      assert.deepEqual(rows.map((r) => [r.tenant, r.year, Number(r.last)]), [['harbin', 2026, Number(last.slice(-6))], ['harbin', 2027, 1], ['kunming', 2026, 2], ['kunming', 2027, 1]]);
    });

    test(`concurrent reports get distinct consecutive numbers${kind === 'postgres' ? ' (two server instances on one database)' : ''}`, async () => {
      // A second instance shares PostgreSQL as a second server process would; PGlite serves one process.
      const other = kind === 'postgres' ? await startTestCore({ kind, url }, '2028-03-01T10:00:00+08:00') : t;
      try {
        setClock('2028-03-01T10:00:00+08:00');
        const phones = ['13800000211', '13800000212', '13800000213', '13800000214'];
        for (const p of phones) await party('harbin', p);
        await party('kunming', '13900000211');
        const harbin = Array.from({ length: 24 }, (_, i) => report('harbin', phones[i % phones.length]!, DAOLI, undefined, i % 2 ? other : t));
        const kunming = Array.from({ length: 6 }, (_, i) => report('kunming', '13900000211', WUHUA, undefined, i % 2 ? other : t));
        const [h, k] = [await Promise.all(harbin), await Promise.all(kunming)];
        assert.deepEqual(h.map((x) => x.slice(-6)).sort(), Array.from({ length: 24 }, (_, i) => String(i + 1).padStart(6, '0')));
        assert.ok(h.every((x) => x.startsWith('HRB-280301-')), h.join());
        assert.deepEqual(k.sort(), Array.from({ length: 6 }, (_, i) => `KMG-280301-${String(i + 1).padStart(6, '0')}`));
      } finally {
        if (other !== t) await other.close();
      }
    });

    test('an install numbered by the old shared sequence keeps its numbers; each city continues after its own highest', async () => {
      const db = kind === 'pglite' ? await openPglite() : await openPostgres(await createDatabase(pg.url, 'numbers_old'));
      try {
        await migrateBefore(db, '003_per_tenant_numbers.sql');
        // 001's one sequence across the cities, as issued before: Kunming 1 and 3, Harbin 2, 4 and (2025) 9.
        const old = [['kunming', 'KMG-260601-000001'], ['harbin', 'HRB-260601-000002'], ['kunming', 'KMG-260601-000003'], ['harbin', 'HRB-260601-000004'], ['harbin', 'HRB-251231-000009']];
        for (const [tenant, number] of old) await insertOldCase(db, tenant!, number!);
        const clock = new ManualClock('2026-06-01T10:00:00+08:00');
        const core = await startCore({
          db, clock, dataDir: mkdtempSync(path.join(tmpdir(), 'kuaichu-data-')), tickMs: 0, relayMs: 0, rateLimit: false,
          env: { ...process.env, KUAICHU_DEMO_PASSWORD: DEMO_PASSWORD, KUAICHU_ANALYTICS: 'off', KUAICHU_NANTONG_WECHAT_SECRET: 'nantong-test-secret-0123456789abcdef' },
        });
        try {
          const intake = async (tenant: string, location: { lng: number; lat: number }) =>
            (await reportCase(core.ctx, tenant, { clientKey: `old-install-${++n}-abcdef`, phone: '13700000201', report: { location, kind: 'motor_motor' } })).case.number;
          assert.equal(await intake('harbin', DAOLI), 'HRB-260601-000005');
          assert.equal(await intake('kunming', WUHUA), 'KMG-260601-000004');
          assert.equal(await intake('nantong', CHONGCHUAN), 'NTG-260601-000001');
          const numbers = (await acrossTenants(db, 'test: every city\'s numbers', (q) => q.query<{ number: string }>('SELECT number FROM cases ORDER BY number'))).map((r) => r.number);
          assert.deepEqual(numbers, ['HRB-251231-000009', 'HRB-260601-000002', 'HRB-260601-000004', 'HRB-260601-000005', 'KMG-260601-000001', 'KMG-260601-000003', 'KMG-260601-000004', 'NTG-260601-000001']);
          const [c2025] = await forTenant(db, 'harbin').query<{ last: string }>("SELECT last FROM case_number_counters WHERE tenant = 'harbin' AND year = 2025");
          assert.equal(Number(c2025!.last), 9, 'a later 2025 report of Harbin would continue at 000010');
        } finally {
          await core.close();
        }
      } finally {
        await db.close();
      }
    });
  });
}

/** Applies the migrations that sort before `file`, as an install made before it was. */
async function migrateBefore(db: Db, file: string): Promise<void> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const f of readdirSync(MIGRATIONS).filter((x) => /^\d{3}_.+\.sql$/.test(x) && x < file).sort()) {
    await db.exec(readFileSync(path.join(MIGRATIONS, f), 'utf8'));
    await db.query('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
  }
}

async function insertOldCase(db: Db, tenant: string, number: string): Promise<void> {
  await db.query(
    `INSERT INTO cases (tenant, id, number, state, seq, client_key, party_phone, channel, report, decision, reported_at, updated_at)
     VALUES ($1, gen_random_uuid(), $2, 'abandoned', 1, $2, '13700000299', 'app12123', '{}', '{}', now(), now())`,
    [tenant, number],
  );
}
