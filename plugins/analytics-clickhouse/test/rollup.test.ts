/**
 * The daily rollup answers exactly what the facts answer, on chdb and on ClickHouse 18.16: a
 * week of generated cases in two cities (plus the hand-built day), every breakdown and filter
 * the rollup serves and some it does not, compared with the same query read from the facts
 * alone; then late events for a built day, a case whose report falls on another day than its id,
 * and the whole stream delivered again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CaseEvent } from '@kuaichu/core/events';
import type { MetricFilters } from '@kuaichu/core/ports';
import { uuidv7 } from '@kuaichu/core/ids';
import { createAnalytics, openChdb, openClickHouseServer, queryMetricsOf, rollupPlan, type Analytics } from '../src/index.ts';
import { startClickHouse } from './support/clickhouseServer.ts';
import { DAY, KUNMING_DAY, SETTINGS, S1, S2, scenario } from './support/scenario.ts';

const HOUR = 3_600_000;
const START = Date.parse('2026-06-03T00:00:00+08:00');
const DISTRICTS = { kunming: ['五华区', '盘龙区', '西山区'], harbin: ['道里区', '南岗区'] } as const;

let seed = 15;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** One case from its report at `t0`: refused, abandoned, escalated, or handled to some milestone. */
function generated(tenant: keyof typeof DISTRICTS, t0: number): CaseEvent[] {
  const caseId = uuidv7(t0);
  const events: CaseEvent[] = [];
  let t = t0;
  const add = (type: CaseEvent['type'], payload: object, dt = 0) => {
    t += dt;
    events.push({ id: randomUUID(), tenant, caseId, seq: events.length + 1, type, at: new Date(t).toISOString(), actor: 'system', payload: payload as never });
  };
  const report = { number: 'X', channel: pick(['app12123', 'wechat_miniprogram']), district: pick(DISTRICTS[tenant]), brigadeId: pick(['b1', 'b2']), kind: pick(['motor_motor', 'single_vehicle']), injury: 'none' };
  const r = rnd();
  if (r < 0.08) return add('case.refused', { ...report, reasons: ['outside_area'] }), events;
  if (r < 0.16) {
    add('photo.reported', report);
    if (rnd() < 0.7) add('photo.agreed', {}, 60_000 + Math.floor(rnd() * 600_000));
    else add('photo.online_requested', {}, 30_000);
    return events;
  }
  add('case.reported', report);
  if (r < 0.22) return add('case.abandoned', { reason: 'party_left' }, Math.floor(rnd() * 120_000)), events;
  const seatId = pick([S1, S2]);
  add('case.answered', { seatId, waitSeconds: 1 }, 1000 + Math.floor(rnd() * 60_000));
  if (r < 0.27) return add('case.escalated', { reason: 'injury', by: `seat:${seatId}`, ticket: null }, 90_000), events;
  add('case.evacuated', { seatId, onSceneSeconds: 1 }, Math.floor(rnd() * 600_000));
  if (rnd() < 0.2) return events; // still open
  add('case.determined', { determinationNo: 'D', officerId: seatId, grades: ['full', 'none'] }, Math.floor(rnd() * 900_000));
  add('case.served', { determinationNo: 'D', verifyCode: 'x' }, Math.floor(rnd() * 60_000));
  if (rnd() < 0.6) add('claim.pushed', { insurerId: 'picc', plate: '云A00000', claimNo: 'C' }, Math.floor(rnd() * 300_000));
  // Some close the next day or later: a day's measures keep changing after it ends.
  if (rnd() < 0.8) add('case.closed', {}, Math.floor(rnd() * 30 * HOUR));
  return events;
}

/** A week: ~40 cases a day in Kunming, ~10 in Harbin, at any hour (so local and UTC days differ). */
const week: CaseEvent[] = [];
for (let day = 0; day < 7; day++) {
  for (let k = 0; k < 40; k++) week.push(...generated('kunming', START + day * 24 * HOUR + Math.floor(rnd() * 24 * HOUR)));
  for (let k = 0; k < 10; k++) week.push(...generated('harbin', START + day * 24 * HOUR + Math.floor(rnd() * 24 * HOUR)));
}
const hand = scenario();
const local = (d: string) => `${d}T00:00:00+08:00`;

/** Every breakdown and filter; `rollup` says whether the rollup can answer part of it. */
const SLICES: Array<{ tenants: string[]; filters: MetricFilters; rollup: boolean }> = [
  ...(['none', 'city', 'district', 'brigade', 'kind', 'channel', 'day'] as const).map((groupBy) => ({ tenants: ['kunming'], filters: { groupBy }, rollup: true })),
  { tenants: ['kunming'], filters: DAY, rollup: true },
  { tenants: ['kunming'], filters: { from: local('2026-06-04'), to: local('2026-06-08'), groupBy: 'day' }, rollup: true },
  { tenants: ['kunming'], filters: { from: local('2026-06-04'), districts: ['五华区', '西山区'], channels: ['app12123'], groupBy: 'kind' }, rollup: true },
  { tenants: ['kunming', 'harbin'], filters: { groupBy: 'city' }, rollup: true },
  { tenants: ['kunming', 'harbin'], filters: { to: local('2026-06-06'), groupBy: 'district' }, rollup: true },
  // Not the rollup's: a period that starts mid-day, by seat, by hour, a seat filter.
  { tenants: ['kunming'], filters: { from: '2026-06-04T09:30:00+08:00', groupBy: 'district' }, rollup: false },
  { tenants: ['kunming'], filters: { groupBy: 'seat' }, rollup: false },
  { tenants: ['kunming'], filters: { groupBy: 'hour' }, rollup: false },
  { tenants: ['kunming'], filters: { seats: [S1] }, rollup: false },
];

const engines = {
  chdb: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-rollup-'));
    const a = await createAnalytics(openChdb(dir), SETTINGS, { rollupEveryMs: 0 });
    return { a, stop: async () => (await a.close(), rmSync(dir, { recursive: true, force: true })) };
  },
  'clickhouse-server 18.16': async () => {
    const server = await startClickHouse();
    const a = await createAnalytics(await openClickHouseServer(server.url), SETTINGS, { rollupEveryMs: 0 });
    return { a, stop: async () => (await a.close(), await server.stop()) };
  },
};

for (const [name, open] of Object.entries(engines)) {
  describe(`daily rollup on ${name}`, () => {
    let a: Analytics;
    let stop: () => Promise<void>;
    before(async () => {
      ({ a, stop } = await open());
      const all = [...hand, ...week];
      for (let i = 0; i < all.length; i += 500) await a.sink(all.slice(i, i + 500));
    });
    after(() => stop?.());

    /** Each slice through the rollup (where it can) equals the same query on the facts alone. */
    async function sameAsFacts(expectRollup: boolean): Promise<number> {
      let planned = 0;
      for (const { tenants, filters, rollup } of SLICES) {
        const plan = await rollupPlan(a.driver, tenants, filters, SETTINGS);
        assert.equal(plan !== undefined, rollup && expectRollup, `${JSON.stringify(filters)}: the rollup ${rollup && expectRollup ? 'answers' : 'does not answer'} part of it`);
        if (plan) planned++;
        const facts = await queryMetricsOf(a.driver, tenants, filters, SETTINGS);
        const both = tenants.length === 1 ? await a.queryMetrics(tenants[0]!, filters) : await a.queryMetricsAcross(tenants, filters);
        assert.deepEqual(both, facts, `${tenants.join('+')} ${JSON.stringify(filters)}`);
      }
      return planned;
    }

    test('built: every slice equals the facts; the hand-built day is still worked out by hand', async () => {
      assert.equal(await sameAsFacts(false), 0, 'nothing is built before the first refresh');
      const built = await a.refreshRollup();
      assert.ok(built.days >= 9, `UTC days of both cities built: ${JSON.stringify(built)}`);
      assert.equal(built.strays, 0);
      assert.ok(built.rows > 0 && built.rows < week.length, `rows are sums of cases: ${built.rows}`);
      assert.equal(await sameAsFacts(true), SLICES.filter((s) => s.rollup).length);
      assert.deepEqual((await a.queryMetrics('kunming', DAY)).total, KUNMING_DAY);
      assert.equal((await a.refreshRollup()).days, 0, 'nothing stale: nothing rebuilt');
    });

    test('late events for a built day are counted before the day is rebuilt, and after', async () => {
      const before = await a.queryMetrics('kunming', {});
      const open = new Map<string, CaseEvent>();
      for (const e of week) if (e.tenant === 'kunming' && Date.parse(e.at) < START + 24 * HOUR) open.set(e.caseId, e);
      const closedIds = new Set(week.filter((e) => e.type === 'case.closed').map((e) => e.caseId));
      const late = [...open.values()].filter((e) => !closedIds.has(e.caseId) && e.type === 'case.evacuated')
        .map((e): CaseEvent => ({ ...e, id: randomUUID(), seq: 99, type: 'case.closed', at: new Date(Date.parse(e.at) + 40 * HOUR).toISOString(), payload: {} as never }));
      assert.ok(late.length > 0, 'some cases of the first day were left open');
      await a.sink(late);
      assert.equal((await a.queryMetrics('kunming', {})).total.closed, before.total.closed + late.length, 'the stale day is read from the facts');
      await sameAsFacts(true);
      const rebuilt = await a.refreshRollup();
      assert.ok(rebuilt.days >= 1 && rebuilt.days <= 2, `only the touched days are rebuilt: ${rebuilt.days}`);
      await sameAsFacts(true);
    });

    test('a case whose report falls on another day than its id keeps that day on the facts; the stream again changes nothing', async () => {
      const id = uuidv7(START + 2 * 24 * HOUR + 10 * HOUR);
      const at = new Date(START + 4 * 24 * HOUR + 10 * HOUR).toISOString();
      await a.sink([{ id: randomUUID(), tenant: 'kunming', caseId: id, seq: 1, type: 'case.reported', at, actor: 'system', payload: { number: 'S', channel: 'app12123', district: '五华区', brigadeId: 'b1', kind: 'motor_motor', injury: 'none' } as never }]);
      assert.equal((await a.refreshRollup()).strays, 1);
      await sameAsFacts(true);
      const all = [...hand, ...week];
      const settled = await a.queryMetrics('kunming', { groupBy: 'day' });
      for (let i = all.length - 1; i >= 0; i -= 300) await a.sink(all.slice(Math.max(0, i - 299), i + 1));
      assert.equal(await sameAsFacts(false), 0, 'every day touched again: all read from the facts until rebuilt');
      await a.refreshRollup();
      await sameAsFacts(true);
      assert.deepEqual(await a.queryMetrics('kunming', { groupBy: 'day' }), settled, 'a redelivered stream changes no metric');
    });
  });
}
