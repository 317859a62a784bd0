/**
 * The analysts' API on a fresh install, as the dashboard calls it (every breakdown at once),
 * on both drivers: an empty store, then one case reported through the case API and carried by
 * the outbox relay into the store. Every answer is 200 with zeros or the one case, never a
 * 500 (chdb's JSON of an empty WITH TOTALS result did not parse: the dashboard said 出错了).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC_GROUPS } from '@kuaichu/core/ports';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { PLACES } from '@kuaichu/testkit/places';
import { startClickHouse, type TestClickHouse } from './support/clickhouseServer.ts';

const [lng, lat] = PLACES.harbin.道里区;
const DAY = '2026-06-01';

const drivers: Record<string, () => Promise<{ env: Record<string, string>; stop: () => Promise<void> }>> = {
  chdb: async () => ({ env: {}, stop: async () => {} }),
  'clickhouse-server 18.16': async () => {
    const server: TestClickHouse = await startClickHouse();
    return { env: { CLICKHOUSE_URL: server.url }, stop: () => server.stop() };
  },
};

for (const [name, open] of Object.entries(drivers)) {
  describe(`GET /api/analytics/metrics on a fresh install (${name})`, () => {
    let t: TestCore;
    let stop: () => Promise<void> = async () => {};
    before(async () => {
      const d = await open();
      stop = d.stop;
      t = await startTestCore({ kind: 'pglite' }, `${DAY}T10:00:00+08:00`, { analytics: true, env: d.env });
    });
    after(async () => {
      await t?.close();
      await stop();
    });

    /** Every breakdown the API offers, for the city's analyst (and the whole province by city). */
    async function everyBreakdown(query: string) {
      const analyst = await t.staff('harbin', 'analyst');
      const out = new Map<string, { total: { reports: number; answered: number; serviceLevel: number | null; handlingTime: { n: number; mean: number | null } }; groups: Array<{ key: string | number; reports: number }> }>();
      for (const groupBy of METRIC_GROUPS) {
        const r = await t.call('GET', `/api/analytics/metrics?${query}&groupBy=${groupBy}`, { token: analyst });
        assert.equal(r.statusCode, 200, `${groupBy}: ${r.body}`);
        out.set(groupBy, r.json());
        const csv = await t.call('GET', `/api/analytics/metrics.csv?${query}&groupBy=${groupBy}`, { token: analyst });
        assert.equal(csv.statusCode, 200, `${groupBy} CSV: ${csv.body}`);
      }
      const province = await t.call('GET', `/api/analytics/metrics?${query}&groupBy=city`, { token: await t.staff('harbin', 'province') });
      assert.equal(province.statusCode, 200, province.body);
      out.set('province', province.json());
      return out;
    }

    test('empty store: every breakdown is 200 with no groups and zeros', async () => {
      for (const query of [`from=${DAY}&to=${DAY}`, 'from=2026-05-03']) {
        for (const [groupBy, m] of await everyBreakdown(query)) {
          assert.deepEqual(m.groups, [], groupBy);
          assert.deepEqual([m.total.reports, m.total.answered, m.total.serviceLevel, m.total.handlingTime.n, m.total.handlingTime.mean], [0, 0, null, 0, null], groupBy);
        }
      }
    });

    test('one case: every breakdown is 200 with that case as its one group', async () => {
      const party = await t.party('harbin', '13800000301');
      const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `fresh-${name.length}-abcdef`, report: { location: { lng, lat }, kind: 'motor_motor' } } });
      assert.equal(r.statusCode, 201, r.body);
      await t.core.drain();
      const KEYS: Record<string, string | number> = { city: 'harbin', district: '道里区', brigade: 'daoli', hour: 10, day: DAY, kind: 'motor_motor', channel: 'app12123', seat: '', province: 'harbin' };
      for (const [groupBy, m] of await everyBreakdown(`from=${DAY}&to=${DAY}`)) {
        assert.equal(m.total.reports, 1, groupBy);
        assert.deepEqual(m.groups.map((g) => [g.key, g.reports]), groupBy === 'none' ? [] : [[KEYS[groupBy], 1]], groupBy);
      }
    });
  });
}
