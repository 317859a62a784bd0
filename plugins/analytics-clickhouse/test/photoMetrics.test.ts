/**
 * Issue 18: the photo path in the metrics, on both drivers — its share of the cases taken, the
 * parties' agreements against online determinations, and the time from the photo report to the
 * agreement, in total and by district. A store made before the photo path's milestones existed
 * is rebuilt from its events when opened, and then counts the photo cases it already held.
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
    id: randomUUID(), tenant: 'kunming', caseId, seq: i + 1, type: type as CaseEvent['type'], at: at(t).toISOString(), actor: 'party', payload: { district, ...payload } as never,
  }));
}
const photoReported = { number: 'KMG-260601-000010', path: 'photo', channel: 'app12123', brigadeId: 'b', kind: 'motor_motor', injury: 'none' };

/** Kunming, 1 June: P1 agreed in 10 min (五华区), P2 agreed in 30 min (盘龙区), P3 online determination (盘龙区), V1 a video case (五华区). */
function day(): CaseEvent[] {
  return [
    ...caseEvents('五华区', [
      ['10:00:00', 'photo.reported', photoReported],
      ['10:03:00', 'photo.left_scene', { shots: 5, chainHead: 'h', onSceneSeconds: 180 }],
      ['10:10:00', 'photo.agreed', { agreementNo: 'KMG-XY-2026-000001', verifyCode: 'x', grades: ['full', 'none'], reportToAgreementSeconds: 600 }],
    ]),
    ...caseEvents('盘龙区', [
      ['11:00:00', 'photo.reported', photoReported],
      ['11:30:00', 'photo.agreed', { agreementNo: 'KMG-XY-2026-000002', verifyCode: 'y', grades: ['equal', 'equal'], reportToAgreementSeconds: 1800 }],
    ]),
    ...caseEvents('盘龙区', [
      ['12:00:00', 'photo.reported', photoReported],
      ['12:20:00', 'photo.online_requested', { by: 'B', reason: 'disagree', reportToRequestSeconds: 1200 }],
      ['12:40:00', 'case.determined', { determinationNo: 'KMG-2026-000009', officerId: 'o', grades: ['full', 'none'] }],
    ]),
    ...caseEvents('五华区', [
      ['13:00:00', 'case.reported', { number: 'KMG-260601-000013', channel: 'app12123', brigadeId: 'b', kind: 'motor_motor', injury: 'none' }],
      ['13:00:20', 'case.answered', { seatId: 's', waitSeconds: 20 }],
    ]),
  ];
}

async function assertPhotoDay(a: Analytics) {
  const { total } = await a.queryMetrics('kunming', DAY);
  assert.deepEqual(
    [total.reports, total.eligible, total.photoCases, total.agreements, total.onlineDeterminations, total.photoShare, total.agreementShare],
    [4, 1, 3, 2, 1, 0.75, 0.666667],
  );
  assert.deepEqual(total.reportToAgreement, { n: 2, mean: 1200, p50: 1800, p90: 1800, p95: 1800 });
  const byDistrict = await a.queryMetrics('kunming', { ...DAY, groupBy: 'district' });
  assert.deepEqual(byDistrict.groups.map((g) => [g.key, g.photoCases, g.agreements, g.onlineDeterminations, g.photoShare, g.agreementShare]), [
    ['五华区', 1, 1, 0, 0.5, 1],
    ['盘龙区', 2, 1, 1, 1, 0.5],
  ]);
}

for (const [name, open] of Object.entries(drivers)) {
  describe(`the photo path's metrics on ${name}`, () => {
    let a: Analytics;
    let stop: () => Promise<void>;
    before(async () => {
      ({ a, stop } = await open());
      await a.sink(day());
    });
    after(() => stop?.());

    test('photo vs video share, agreement vs online determination, report → agreement, by district', async () => {
      await assertPhotoDay(a);
    });
  });
}

test('chdb: a store made before the photo path’s milestones is rebuilt from its events and counts its photo cases', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-chdb-'));
  try {
    // The store as the previous version left it: facts and view without the photo path's milestones.
    const old = openChdb(dir);
    const photoColumn = /,\s*(photo_at|agreed_at|online_at) AggregateFunction\(minIf, UInt64, UInt8\)|,\s*minIfState\(at_ms, type = 'photo\.(reported|agreed|online_requested)'\) AS (photo_at|agreed_at|online_at)/g;
    const previous = DDL.map((s) => s.replace(photoColumn, '').replace(", 'photo.reported')", ')'));
    assert.ok(previous.every((s) => !/\bagreed_at\b/.test(s)), 'the old DDL has no photo milestones');
    for (const statement of previous) await old.exec(statement);
    await old.insert('kc_events', day().map(toRow));
    await old.close();

    const a = await createAnalytics(openChdb(dir), SETTINGS);
    const [shown] = (await a.driver.select<{ statement: string }>('SHOW CREATE TABLE kc_case_facts')).data;
    assert.match(shown!.statement, /\bagreed_at\b/);
    await assertPhotoDay(a);
    // New events reach the rebuilt facts through the new view.
    await a.sink(caseEvents('西山区', [['15:00:00', 'photo.reported', photoReported]]));
    assert.equal((await a.queryMetrics('kunming', DAY)).total.photoCases, 4);
    await a.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
