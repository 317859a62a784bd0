/**
 * Issue 14: online mediation (线上调解室) in the metrics, on both drivers — mediated cases, no-shows, agreed
 * and not agreed, and the time from the first booking and from the room's first opening to the
 * agreement in force, in total and by district. Events delivered twice count once. A store made
 * before mediation's milestones is rebuilt from its events when opened and counts what it held.
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
    id: randomUUID(), tenant: 'yancheng', caseId, seq: i + 1, type: type as CaseEvent['type'], at: at(t).toISOString(), actor: 'partner:m', payload: { district, ...payload } as never,
  }));
}
const reported = { number: 'YCG-260601-000001', channel: 'video_phone', brigadeId: 'yunchetong', kind: 'motor_motor', injury: 'none' };
const answered = { seatId: 's', waitSeconds: 20 };
const booked = (startsAt: string) => ({ mediationId: 'm', startsAt: `2026-06-01T${startsAt}:00+08:00`, mediatorOrgId: 'o', insurerOrgIds: [] });
const agreedOutcome = { mediationId: 'm', agreed: true, amountFen: 320_000 };
const notAgreed = { mediationId: 'm', agreed: false, reason: '双方对维修费用分歧较大' };
const agreement = (no: number) => ({ mediationId: 'm', agreementNo: `YCG-TJ-2026-00000${no}`, verifyCode: 'c', amountFen: 320_000 });

/**
 * Yancheng, 1 June:
 *  M1 亭湖区 booked 10:05, opened 10:20, agreed in force 10:27 (1320 s from booking, 420 s from opening);
 *  M2 盐都区 booked 11:10 for 11:30, a no-show at 11:45, booked again 11:50, opened 12:00, in force 12:09 (3540 s, 540 s);
 *  M3 亭湖区 booked 13:10, opened 13:30, not agreed 13:45;
 *  M4 盐都区 booked 15:05, opened 15:15, not agreed 15:20, booked again, opened 15:45, in force 15:55 (3000 s, 2400 s): agreed;
 *  V1 盐都区 a video case without mediation.
 */
function day(): CaseEvent[] {
  return [
    ...caseEvents('亭湖区', [
      ['10:00:00', 'case.reported', reported], ['10:00:20', 'case.answered', answered],
      ['10:05:00', 'mediation.scheduled', booked('10:30')], ['10:20:00', 'mediation.opened', { mediationId: 'm', bookingToOpenSeconds: 900 }],
      ['10:24:00', 'mediation.recorded', agreedOutcome],
      ['10:26:00', 'mediation.signed', { mediationId: 'm', role: 'A', method: 'sms_code' }], ['10:27:00', 'mediation.signed', { mediationId: 'm', role: 'B', method: 'sms_code' }],
      ['10:27:00', 'mediation.agreed', { ...agreement(1), bookingToAgreementSeconds: 1320, openToAgreementSeconds: 420 }],
    ]),
    ...caseEvents('盐都区', [
      ['11:00:00', 'case.reported', reported], ['11:00:20', 'case.answered', answered],
      ['11:10:00', 'mediation.scheduled', booked('11:30')],
      ['11:45:00', 'mediation.no_show', { mediationId: 'm0', startsAt: '2026-06-01T11:30:00+08:00', reason: 'not_opened', absent: ['mediator'] }],
      ['11:50:00', 'mediation.scheduled', { ...booked('12:00'), replaces: 'm0' }],
      ['12:00:00', 'mediation.opened', { mediationId: 'm', bookingToOpenSeconds: 1200 }], ['12:05:00', 'mediation.recorded', agreedOutcome],
      ['12:09:00', 'mediation.agreed', { ...agreement(2), bookingToAgreementSeconds: 1740, openToAgreementSeconds: 540 }],
    ]),
    ...caseEvents('亭湖区', [
      ['13:00:00', 'case.reported', reported], ['13:00:20', 'case.answered', answered],
      ['13:10:00', 'mediation.scheduled', booked('13:30')], ['13:30:00', 'mediation.opened', { mediationId: 'm', bookingToOpenSeconds: 1200 }],
      ['13:45:00', 'mediation.recorded', notAgreed],
    ]),
    ...caseEvents('盐都区', [
      ['15:00:00', 'case.reported', reported], ['15:00:20', 'case.answered', answered],
      ['15:05:00', 'mediation.scheduled', booked('15:15')], ['15:15:00', 'mediation.opened', { mediationId: 'm', bookingToOpenSeconds: 600 }],
      ['15:20:00', 'mediation.recorded', notAgreed],
      ['15:30:00', 'mediation.scheduled', booked('15:45')], ['15:45:00', 'mediation.opened', { mediationId: 'm', bookingToOpenSeconds: 900 }],
      ['15:50:00', 'mediation.recorded', agreedOutcome], ['15:55:00', 'mediation.agreed', { ...agreement(3), bookingToAgreementSeconds: 1500, openToAgreementSeconds: 600 }],
    ]),
    ...caseEvents('盐都区', [['16:00:00', 'case.reported', reported], ['16:00:20', 'case.answered', answered]]),
  ];
}

async function assertMediationDay(a: Analytics) {
  const { total } = await a.queryMetrics('yancheng', DAY);
  assert.deepEqual(
    [total.reports, total.mediations, total.mediationsAgreed, total.mediationsNotAgreed, total.mediationNoShows, total.mediationAgreementRate],
    [5, 4, 3, 1, 1, 0.75],
  );
  assert.deepEqual(total.mediationBookingToAgreement, { n: 3, mean: 2620, p50: 3000, p90: 3540, p95: 3540 }); // 1320, 3540, 3000
  assert.deepEqual(total.mediationOpenToAgreement, { n: 3, mean: 1120, p50: 540, p90: 2400, p95: 2400 }); // 420, 540, 2400
  const byDistrict = await a.queryMetrics('yancheng', { ...DAY, groupBy: 'district' });
  assert.deepEqual(byDistrict.groups.map((g) => [g.key, g.mediations, g.mediationsAgreed, g.mediationsNotAgreed, g.mediationNoShows, g.mediationAgreementRate, g.mediationOpenToAgreement.mean]), [
    ['亭湖区', 2, 1, 1, 0, 0.5, 420],
    ['盐都区', 2, 2, 0, 1, 1, 1470],
  ]);
}

for (const [name, open] of Object.entries(drivers)) {
  describe(`online mediation's metrics on ${name}`, () => {
    let a: Analytics;
    let stop: () => Promise<void>;
    const events = day();
    before(async () => {
      ({ a, stop } = await open());
      await a.sink(events);
    });
    after(() => stop?.());

    test('mediated, agreed, not agreed; booking → agreement and opening → agreement, by district', async () => {
      await assertMediationDay(a);
    });

    test('the mediation events delivered again, in another order and other batches, change nothing', async () => {
      const again = events.filter((e) => e.type.startsWith('mediation.')).reverse();
      await a.sink(again.slice(0, 5));
      await a.sink(again.slice(5));
      await assertMediationDay(a);
    });
  });
}

test('chdb: a store made before mediation’s milestones is rebuilt from its events and counts its mediations', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-chdb-'));
  try {
    // The store as the previous version left it: facts and view without mediation's milestones.
    const old = openChdb(dir);
    const mediationColumn = /,\s*mediation_\w+_at AggregateFunction\(minIf, UInt64, UInt8\)|,\s*minIfState\(at_ms, type = 'mediation\.\w+'( AND position\(payload, '[^']*'\) > 0)?\) AS mediation_\w+_at/g;
    const previous = DDL.map((s) => s.replace(mediationColumn, ''));
    assert.ok(previous.every((s) => !/mediation/.test(s)), 'the old DDL has no mediation milestones');
    for (const statement of previous) await old.exec(statement);
    await old.insert('kc_events', day().map(toRow));
    await old.close();

    const a = await createAnalytics(openChdb(dir), SETTINGS);
    const [shown] = (await a.driver.select<{ statement: string }>('SHOW CREATE TABLE kc_case_facts')).data;
    assert.match(shown!.statement, /mediation_agreed_at/);
    await assertMediationDay(a);
    // New events reach the rebuilt facts through the new view.
    await a.sink(caseEvents('亭湖区', [['17:00:00', 'case.reported', reported], ['17:10:00', 'mediation.scheduled', booked('17:30')]]));
    assert.equal((await a.queryMetrics('yancheng', DAY)).total.mediations, 5);
    await a.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
