/**
 * Issue 14: injury direct-pay (人伤直赔) and one-key rescue (一键救援) in the metrics, on both
 * drivers — vouchers issued (a revoked one not: counted apart), fen advanced by hospitals and settled by insurers, the time from the
 * hospital's scan and from its bill to the settlement; rescues asked, arrived, completed and the
 * time to the tow crew's arrival — in total and by district, from the facts and from the daily
 * rollup alike. Events delivered again (older totals after newer ones) change nothing. A store
 * made before these milestones is rebuilt from its events when opened and counts what it held.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CaseEvent } from '@kuaichu/core/events';
import { uuidv7 } from '@kuaichu/core/ids';
import type { Analytics } from '../src/index.ts';
import { createAnalytics, openChdb, toRow } from '../src/index.ts';
import { DDL } from '../src/schema.ts';
import { drivers } from './support/drivers.ts';
import { DAY, SETTINGS } from './support/scenario.ts';

type Step = [time: string, type: string, payload: Record<string, unknown>];
function caseEvents(district: string, steps: Step[]): CaseEvent[] {
  const at = (t: string) => new Date(`2026-06-01T${t}+08:00`);
  const caseId = uuidv7(at(steps[0]![0]));
  return steps.map(([t, type, payload], i) => ({
    id: randomUUID(), tenant: 'yancheng', caseId, seq: i + 1, type: type as CaseEvent['type'], at: at(t).toISOString(), actor: 'partner:p', payload: { district, ...payload } as never,
  }));
}
const reported = { number: 'YCG-260601-000001', channel: 'video_phone', brigadeId: 'yunchetong', kind: 'motor_motor', injury: 'minor' };
const answered = { seatId: 's', waitSeconds: 20 };
const issued = (bill: string, n: number) => ({ billId: bill, insurerId: 'picc', vouchersOfCase: n });
const admitted = (bill: string) => ({ billId: bill, hospitalOrgId: 'h' });
const billed = (bill: string, fen: number, caseFen: number) => ({ billId: bill, amountFen: fen, advancedFenOfCase: caseFen });
const settled = (bill: string, fen: number, caseFen: number, seconds: number) => ({ billId: bill, amountFen: fen, settledFenOfCase: caseFen, scanToSettlementSeconds: seconds });
const revoked = (bill: string, n: number) => ({ billId: bill, revokedOfCase: n });
const requested = { rescueId: 'r', workOrderNo: 'YCG-JY-2026-000001' };

/**
 * Yancheng, 1 June:
 *  D1 亭湖区 voucher 09:30, scanned 10:00, billed 10:30 ¥1,200, settled 11:30 (5400 s from the scan, 3600 s from the bill);
 *  D2 盐都区 two vouchers (two injured) 10:20 / 10:25, scanned 11:00 / 11:10, billed 11:20 ¥800 and 11:40 ¥500,
 *     the first settled 12:40 (6000 s from the first scan, 4800 s from the first bill); ¥1,300 advanced, ¥800 settled;
 *  D3 亭湖区 voucher 13:10, scanned 13:40, billed 14:00 ¥450, not settled; a second voucher 13:15 revoked 13:20 (not issued);
 *  D4 盐都区 voucher 16:30 revoked 16:40, its only one: not a direct-pay case, one voucher revoked;
 *  R1 亭湖区 rescue asked 14:05, crew arrived 14:23 (1080 s), completed 15:00;
 *  R2 盐都区 asked 15:02, arrived 15:14 (720 s), not completed;  R3 盐都区 asked 16:10, no crew yet.
 */
function day(): CaseEvent[] {
  return [
    ...caseEvents('亭湖区', [
      ['09:00:00', 'case.reported', reported], ['09:00:20', 'case.answered', answered],
      ['09:30:00', 'direct_pay.issued', issued('a', 1)], ['10:00:00', 'direct_pay.admitted', admitted('a')],
      ['10:30:00', 'direct_pay.billed', billed('a', 120_000, 120_000)], ['11:30:00', 'direct_pay.settled', settled('a', 120_000, 120_000, 5400)],
    ]),
    ...caseEvents('盐都区', [
      ['10:00:00', 'case.reported', reported], ['10:00:20', 'case.answered', answered],
      ['10:20:00', 'direct_pay.issued', issued('b', 1)], ['10:25:00', 'direct_pay.issued', issued('c', 2)],
      ['11:00:00', 'direct_pay.admitted', admitted('b')], ['11:10:00', 'direct_pay.admitted', admitted('c')],
      ['11:20:00', 'direct_pay.billed', billed('b', 80_000, 80_000)], ['11:40:00', 'direct_pay.billed', billed('c', 50_000, 130_000)],
      ['12:40:00', 'direct_pay.settled', settled('b', 80_000, 80_000, 6000)],
    ]),
    ...caseEvents('亭湖区', [
      ['13:00:00', 'case.reported', reported], ['13:00:20', 'case.answered', answered],
      ['13:10:00', 'direct_pay.issued', issued('d', 1)], ['13:15:00', 'direct_pay.issued', issued('e', 2)],
      ['13:20:00', 'direct_pay.revoked', revoked('e', 1)], ['13:40:00', 'direct_pay.admitted', admitted('d')],
      ['14:00:00', 'direct_pay.billed', billed('d', 45_000, 45_000)],
    ]),
    ...caseEvents('亭湖区', [
      ['14:00:00', 'case.reported', reported], ['14:05:00', 'rescue.requested', requested],
      ['14:23:00', 'rescue.arrived', { rescueId: 'r', requestToArrivalSeconds: 1080 }], ['15:00:00', 'rescue.completed', { rescueId: 'r' }],
    ]),
    ...caseEvents('盐都区', [
      ['15:00:00', 'case.reported', reported], ['15:02:00', 'rescue.requested', requested],
      ['15:14:00', 'rescue.arrived', { rescueId: 'r', requestToArrivalSeconds: 720 }],
    ]),
    ...caseEvents('盐都区', [['16:00:00', 'case.reported', reported], ['16:10:00', 'rescue.requested', requested]]),
    ...caseEvents('盐都区', [
      ['16:20:00', 'case.reported', reported], ['16:30:00', 'direct_pay.issued', issued('f', 1)], ['16:40:00', 'direct_pay.revoked', revoked('f', 1)],
    ]),
  ];
}

async function assertDay(a: Analytics) {
  const { total } = await a.queryMetrics('yancheng', DAY);
  assert.deepEqual(
    [total.reports, total.directPayCases, total.directPayVouchers, total.directPayVouchersRevoked, total.directPayAdvancedFen, total.directPaySettledFen],
    [7, 3, 4, 2, 295_000, 200_000],
  );
  assert.deepEqual(total.directPayScanToSettlement, { n: 2, mean: 5700, p50: 6000, p90: 6000, p95: 6000 }); // 5400, 6000
  assert.deepEqual(total.directPayBillToSettlement, { n: 2, mean: 4200, p50: 4800, p90: 4800, p95: 4800 }); // 3600, 4800
  assert.deepEqual([total.rescues, total.rescuesArrived, total.rescuesCompleted], [3, 2, 1]);
  assert.deepEqual(total.rescueArrival, { n: 2, mean: 900, p50: 1080, p90: 1080, p95: 1080 }); // 1080, 720
  const byDistrict = await a.queryMetrics('yancheng', { ...DAY, groupBy: 'district' });
  assert.deepEqual(byDistrict.groups.map((g) => [
    g.key, g.directPayCases, g.directPayVouchers, g.directPayVouchersRevoked, g.directPayAdvancedFen, g.directPaySettledFen, g.directPayScanToSettlement.mean,
    g.rescues, g.rescuesArrived, g.rescuesCompleted, g.rescueArrival.mean,
  ]), [
    ['亭湖区', 2, 2, 1, 165_000, 120_000, 5400, 1, 1, 1, 1080],
    ['盐都区', 1, 2, 1, 130_000, 80_000, 6000, 2, 1, 0, 720],
  ]);
}

for (const [name, open] of Object.entries(drivers)) {
  describe(`direct-pay and rescue metrics on ${name}`, () => {
    let a: Analytics;
    let stop: () => Promise<void>;
    const events = day();
    before(async () => {
      ({ a, stop } = await open());
      await a.sink(events);
    });
    after(() => stop?.());

    test('vouchers, fen advanced and settled, scan/bill → settlement; rescues and time to arrival, by district', async () => {
      await assertDay(a);
    });

    test('the same answers from the daily rollup once the day is built', async () => {
      const built = await a.refreshRollup();
      assert.ok(built.days >= 1 && built.rows >= 1 && built.strays === 0, JSON.stringify(built));
      await assertDay(a);
    });

    test('the direct-pay and rescue events delivered again, in reverse (older totals last) and other batches, change nothing', async () => {
      const again = events.filter((e) => e.type.startsWith('direct_pay.') || e.type.startsWith('rescue.')).reverse();
      await a.sink(again.slice(0, 7));
      await a.sink(again.slice(7));
      await assertDay(a);
      await a.refreshRollup();
      await assertDay(a);
    });
  });
}

test('chdb: a store made before direct-pay’s and rescue’s facts is rebuilt from its events and counts them', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-chdb-'));
  try {
    // The store as the previous version left it: facts and view without these milestones and totals.
    const old = openChdb(dir);
    const newColumn = /,\s*(direct_pay|rescue)_\w+ AggregateFunction\((minIf|maxIf), UInt64, UInt8\)|,\s*(minIfState\(at_ms|maxIfState\(visitParamExtractUInt\(payload, '\w+'\)), type = '(direct_pay|rescue)\.\w+'\) AS (direct_pay|rescue)_\w+/g;
    const previous = DDL.map((s) => s.replace(newColumn, ''));
    assert.ok(previous.every((s) => !/direct_pay|rescue/.test(s)), 'the old DDL has no direct-pay or rescue facts');
    for (const statement of previous) await old.exec(statement);
    await old.insert('kc_events', day().map(toRow));
    await old.close();

    const a = await createAnalytics(openChdb(dir), SETTINGS);
    const [shown] = (await a.driver.select<{ statement: string }>('SHOW CREATE TABLE kc_case_facts')).data;
    assert.match(shown!.statement, /direct_pay_settled_fen/);
    await assertDay(a);
    // New events reach the rebuilt facts through the new view.
    await a.sink(caseEvents('亭湖区', [['17:00:00', 'case.reported', reported], ['17:10:00', 'rescue.requested', requested]]));
    assert.equal((await a.queryMetrics('yancheng', DAY)).total.rescues, 4);
    await a.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
