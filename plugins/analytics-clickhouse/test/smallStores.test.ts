/**
 * A fresh install: every breakdown on an empty store and on a store with one case, on both
 * drivers. The dashboard asks for all of them at once, so one that fails (as WITH TOTALS did on
 * chdb for an empty result: its JSON did not parse) leaves the whole screen at 出错了.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC_GROUPS, type MetricGroup, type Metrics } from '@kuaichu/core/ports';
import type { Analytics } from '../src/index.ts';
import { drivers } from './support/drivers.ts';
import { DAY, NO_DURATION, S1, scenario } from './support/scenario.ts';

const COUNTS = ['reports', 'eligible', 'refused', 'answered', 'abandoned', 'escalated', 'evacuated', 'determined', 'served', 'reviews', 'claims', 'closed', 'photoCases', 'agreements', 'onlineDeterminations', 'mediations', 'mediationsAgreed', 'mediationsNotAgreed', 'mediationNoShows', 'directPayCases', 'directPayVouchers', 'directPayVouchersRevoked', 'directPayAdvancedFen', 'directPaySettledFen', 'rescues', 'rescuesArrived', 'rescuesCompleted'] as const;
const DURATIONS = ['speedOfAnswer', 'handlingTime', 'timeOnScene', 'timeToDetermination', 'timeToService', 'claimPushLatency', 'endToEnd', 'reportToAgreement', 'mediationBookingToAgreement', 'mediationOpenToAgreement', 'directPayScanToSettlement', 'directPayBillToSettlement', 'rescueArrival'] as const;

/** What a period without cases shows: zeros, no rates, no durations. */
const EMPTY: Metrics = {
  ...Object.fromEntries(COUNTS.map((k) => [k, 0])),
  abandonmentRate: null, serviceLevel: null, reviewRate: null, escalationRate: null, photoShare: null, agreementShare: null, mediationAgreementRate: null,
  ...Object.fromEntries(DURATIONS.map((k) => [k, NO_DURATION])),
} as Metrics;

/** Case A of the scenario alone: Kunming 五华区, app12123, motor_motor, 09:00 on 1 June, answered by S1 … closed. */
const caseA = (() => {
  const events = scenario();
  return events.filter((e) => e.caseId === events[0]!.caseId);
})();
const KEY_OF_A: Record<Exclude<MetricGroup, 'none'>, string | number> = {
  city: 'kunming', district: '五华区', brigade: 'b', hour: 9, day: '2026-06-01', kind: 'motor_motor', channel: 'app12123', seat: S1,
};
const BREAKDOWNS = METRIC_GROUPS.filter((g): g is Exclude<MetricGroup, 'none'> => g !== 'none');


for (const [name, open] of Object.entries(drivers)) {
  describe(`a fresh store on ${name}`, () => {
    let a: Analytics;
    let stop: () => Promise<void>;
    before(async () => ({ a, stop } = await open()));
    after(() => stop?.());

    test('empty: every breakdown answers, with no groups and a total of zeros', async () => {
      assert.deepEqual(BREAKDOWNS.length, 8, 'every breakdown the API offers is covered');
      for (const filters of [{}, DAY]) {
        for (const groupBy of METRIC_GROUPS) {
          const r = await a.queryMetrics('kunming', { ...filters, groupBy });
          assert.equal(r.groupBy, groupBy);
          assert.deepEqual(r.groups, [], groupBy);
          assert.deepEqual(r.total, EMPTY, groupBy);
        }
      }
      const across = await a.queryMetricsAcross(['harbin', 'kunming'], { groupBy: 'city' });
      assert.deepEqual([across.groups, across.total], [[], EMPTY]);
    });

    test('one case: every breakdown has that case as its one group, and the total is the case', async () => {
      await a.sink(caseA);
      const whole = (await a.queryMetrics('kunming', DAY)).total;
      assert.deepEqual([whole.reports, whole.answered, whole.served, whole.closed], [1, 1, 1, 1]);
      assert.deepEqual(whole.handlingTime, { n: 1, mean: 300, p50: 300, p90: 300, p95: 300 });
      for (const filters of [{}, DAY]) {
        for (const groupBy of BREAKDOWNS) {
          const r = await a.queryMetrics('kunming', { ...filters, groupBy });
          assert.deepEqual(r.groups.map((g) => g.key), [KEY_OF_A[groupBy]], groupBy);
          const { key: _key, ...only } = r.groups[0]!;
          assert.deepEqual(only, whole, `${groupBy}: the group is the case`);
          assert.deepEqual(r.total, whole, `${groupBy}: the total is the case`);
        }
      }
      // A period without it, and another city: empty again, not an error.
      for (const groupBy of METRIC_GROUPS) {
        const before = await a.queryMetrics('kunming', { to: DAY.from, groupBy });
        assert.deepEqual([before.groups, before.total], [[], EMPTY], groupBy);
        const harbin = await a.queryMetrics('harbin', { groupBy });
        assert.deepEqual([harbin.groups, harbin.total], [[], EMPTY], groupBy);
      }
      const across = await a.queryMetricsAcross(['harbin', 'kunming'], { groupBy: 'city' });
      assert.deepEqual(across.groups.map((g) => [g.key, g.reports]), [['kunming', 1]]);
      assert.equal(across.total.reports, 1);
    });
  });
}
