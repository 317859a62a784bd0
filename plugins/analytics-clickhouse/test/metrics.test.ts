/**
 * The sink and every metric query, on both drivers with the same SQL: chdb in-process and
 * Debian's ClickHouse 18.16 server. Known answers on a hand-built day; delivered twice, in
 * pieces and out of order (at-least-once), the answers do not move; a tenant's query never
 * sees another tenant's cases, whatever the filters say.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricFilters } from '@kuaichu/core/ports';
import type { Analytics } from '../src/index.ts';
import { drivers } from './support/drivers.ts';
import { DAY, KUNMING_DAY, NO_DURATION, S1, S2, scenario } from './support/scenario.ts';

const events = scenario();

/** Every way the dashboards slice the day, to compare before and after redelivery. */
const SLICES: MetricFilters[] = [
  {},
  DAY,
  ...(['city', 'district', 'brigade', 'hour', 'day', 'kind', 'channel', 'seat'] as const).map((groupBy) => ({ ...DAY, groupBy })),
  { districts: ['五华区'], groupBy: 'channel' },
  { seats: [S1], kinds: ['motor_motor'] },
];

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}


for (const [name, open] of Object.entries(drivers)) {
  describe(`analytics on ${name}`, () => {
    let a: Analytics;
    let stop: () => Promise<void>;
    before(async () => {
      ({ a, stop } = await open());
      // Delivered by the bus in three batches, the last case's events first (order does not matter).
      const mixed = shuffled(events, 7);
      for (let i = 0; i < mixed.length; i += 12) await a.sink(mixed.slice(i, i + 12));
    });
    after(() => stop?.());

    test('Kunming, 1 June: every metric as worked out by hand', async () => {
      const r = await a.queryMetrics('kunming', DAY);
      assert.deepEqual(r.total, KUNMING_DAY);
      assert.deepEqual(r.groups, []);
    });

    test('breakdowns: district, hour (local), seat, channel, day, kind', async () => {
      const byDistrict = await a.queryMetrics('kunming', { ...DAY, groupBy: 'district' });
      assert.deepEqual(byDistrict.groups.map((g) => [g.key, g.reports, g.eligible, g.answered, g.abandoned, g.escalated]), [
        ['五华区', 3, 2, 1, 1, 0],
        ['盘龙区', 2, 2, 2, 0, 1],
      ]);
      assert.deepEqual(byDistrict.total, KUNMING_DAY, 'the totals row is the whole day');
      const wuhua = byDistrict.groups[0]!;
      assert.equal(wuhua.abandonmentRate, 0.5);
      assert.deepEqual(wuhua.handlingTime, { n: 1, mean: 300, p50: 300, p90: 300, p95: 300 });

      const byHour = await a.queryMetrics('kunming', { ...DAY, groupBy: 'hour' });
      assert.deepEqual(byHour.groups.map((g) => [g.key, g.reports, g.speedOfAnswer.mean]), [[9, 2, 40], [14, 3, 10]]);

      const bySeat = await a.queryMetrics('kunming', { ...DAY, groupBy: 'seat' });
      assert.deepEqual(bySeat.groups.map((g) => [g.key, g.reports, g.answered, g.handlingTime.mean]), [['', 2, 0, null], [S1, 2, 2, 300], [S2, 1, 1, 240]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));

      const byChannel = await a.queryMetrics('kunming', { ...DAY, groupBy: 'channel' });
      assert.deepEqual(byChannel.groups.map((g) => [g.key, g.reports, g.serviceLevel]), [['app12123', 4, 2 / 3], ['wechat_miniprogram', 1, 0]].map(([k, n, s]) => [k, n, s === null ? null : Math.round((s as number) * 1e6) / 1e6]));

      const byKind = await a.queryMetrics('kunming', { ...DAY, groupBy: 'kind' });
      assert.deepEqual(byKind.groups.map((g) => [g.key, g.reports]), [['motor_motor', 3], ['motor_non_motor', 1], ['single_vehicle', 1]]);

      const byDay = await a.queryMetrics('kunming', { groupBy: 'day' });
      assert.deepEqual(byDay.groups.map((g) => [g.key, g.reports, g.speedOfAnswer.n]), [['2026-06-01', 5, 3], ['2026-06-02', 1, 1]]);
      // G was answered in exactly 30 s: within the target.
      assert.equal(byDay.groups[1]!.serviceLevel, 1);
      assert.equal(byDay.total.serviceLevel, 0.6);
    });

    test('filters narrow: district, seat, date range', async () => {
      const wuhua = await a.queryMetrics('kunming', { ...DAY, districts: ['五华区'] });
      assert.equal(wuhua.total.reports, 3);
      const s2 = await a.queryMetrics('kunming', { seats: [S2] });
      assert.deepEqual([s2.total.reports, s2.total.speedOfAnswer], [2, { n: 2, mean: 45, p50: 60, p90: 60, p95: 60 }]);
      const nextDay = await a.queryMetrics('kunming', { from: DAY.to });
      assert.equal(nextDay.total.reports, 1);
      const before = await a.queryMetrics('kunming', { to: DAY.from });
      assert.equal(before.total.reports, 0);
      assert.deepEqual(before.total.handlingTime, NO_DURATION);
    });

    test('at-least-once: the whole stream again, in other batches and orders, plus pieces of it, changes no metric', async () => {
      const beforeRedelivery = await Promise.all(SLICES.map((f) => a.queryMetrics('kunming', f)));
      // Keep every duplicate in its own part: the queries must be right before any merge.
      await a.driver.exec('SYSTEM STOP MERGES');
      const again = shuffled(events, 99);
      for (let i = 0; i < again.length; i += 5) await a.sink(again.slice(i, i + 5));
      await a.sink(events.filter((_, i) => i % 3 === 0));
      await a.sink(events.slice(0, 4));
      const afterRedelivery = await Promise.all(SLICES.map((f) => a.queryMetrics('kunming', f)));
      assert.deepEqual(afterRedelivery, beforeRedelivery);
      // Each case's facts are spread over unmerged parts here, and the hand-worked answers hold.
      const facts = await a.driver.select<{ n: unknown }>("SELECT count() AS n FROM system.parts WHERE active AND table = 'kc_case_facts'");
      assert.ok(Number(facts.data[0]!.n) > 3, 'the facts are in many parts');
      assert.deepEqual(afterRedelivery[1]!.total, KUNMING_DAY);

      // The raw table holds each event once after its parts merge (ReplacingMergeTree) …
      const count = async (sql: string) => Number((await a.driver.select<{ n: unknown }>(sql)).data[0]!.n);
      assert.ok((await count('SELECT count() AS n FROM kc_events')) > events.length, 'duplicates were written');
      assert.equal(await count('SELECT count() AS n FROM kc_events FINAL'), events.length);
      await a.driver.exec('SYSTEM START MERGES');
      await a.driver.exec('OPTIMIZE TABLE kc_events FINAL');
      await a.driver.exec('OPTIMIZE TABLE kc_case_facts FINAL');
      assert.equal(await count('SELECT count() AS n FROM kc_events'), events.length);
      // … and merging the facts changes nothing either.
      assert.deepEqual(await Promise.all(SLICES.map((f) => a.queryMetrics('kunming', f))), beforeRedelivery);
    });

    test('an analyst of Harbin cannot see Kunming, whatever the filters say', async () => {
      const harbin = await a.queryMetrics('harbin');
      assert.equal(harbin.total.reports, 1);
      assert.deepEqual(harbin.total.handlingTime, { n: 1, mean: 240, p50: 240, p90: 240, p95: 240 });
      assert.equal((await a.queryMetrics('harbin', { districts: ['五华区', '盘龙区'] })).total.reports, 0);
      assert.deepEqual((await a.queryMetrics('harbin', { groupBy: 'city' })).groups.map((g) => g.key), ['harbin']);
      // Quotes and backslashes in filter values stay values.
      for (const evil of ["五华区') OR tenant = 'kunming' OR ('", "\\' OR 1=1 --", '五华区\\']) {
        assert.equal((await a.queryMetrics('harbin', { districts: [evil] })).total.reports, 0);
        assert.equal((await a.queryMetrics('harbin', { seats: [evil], channels: [evil] })).total.reports, 0);
      }
      await assert.rejects(a.queryMetrics("harbin' OR tenant = 'kunming"), { code: 'KC_VALIDATION' });
      await assert.rejects(a.queryMetrics('harbin', { from: "2026-06-01' OR 1=1" }), { code: 'KC_VALIDATION' });
      await assert.rejects(a.queryMetrics('harbin', { groupBy: 'tenant' as never }), { code: 'KC_VALIDATION' });
      await assert.rejects(a.queryMetrics('harbin', { districts: [] }), { code: 'KC_VALIDATION' });
      // A provincial view names each tenant it covers.
      const both = await a.queryMetricsAcross(['harbin', 'kunming'], { ...DAY, groupBy: 'city' });
      assert.deepEqual(both.groups.map((g) => [g.key, g.reports]), [['harbin', 1], ['kunming', 5]]);
    });
  });
}
