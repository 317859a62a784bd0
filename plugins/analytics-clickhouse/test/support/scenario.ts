/**
 * A hand-built day in Kunming (and one Harbin case) whose metrics are worked out by hand
 * below, for the metric tests on both drivers and the Kafka end-to-end test.
 * Local time is Asia/Shanghai (UTC+8); the answer target is 30 s.
 *
 *   A 五华区 app12123 motor_motor      09:00:00 report, 09:00:20 answered by S1 (ASA 20),
 *        09:05:20 leave notice (AHT 300, on scene 320), 09:10:00 determined (600),
 *        09:10:30 served (630), 09:11:30 claim (latency 60), 09:20:00 closed (end to end 1200)
 *   B 盘龙区 app12123 motor_non_motor  09:30 report, 09:31 answered by S2 (ASA 60, over target),
 *        09:35 leave (AHT 240, scene 300), 09:50 determined (1200), 09:50:10 served (1210),
 *        10:00 review requested
 *   C 五华区 wechat single_vehicle     14:00 report, 14:01 abandoned in the queue
 *   D 盘龙区 app12123 motor_motor      14:10 report, 14:10:10 answered by S1 (ASA 10), 14:12 escalated
 *   E 五华区 app12123                  14:20 refused (outside the area)
 *   G 西山区 app12123 motor_motor      the next day 09:00 report, 09:00:30 answered by S2 (ASA 30 = target)
 *   H harbin 道里区                    10:00 report, 10:00:05 answered, 10:04:05 leave notice
 */
import { randomUUID } from 'node:crypto';
import type { CaseEvent } from '@kuaichu/core/events';
import { uuidv7 } from '@kuaichu/core/ids';

export const S1 = '5e5e5e5e-0000-4000-8000-000000000001';
export const S2 = '5e5e5e5e-0000-4000-8000-000000000002';
export const SETTINGS = () => ({ timezone: 'Asia/Shanghai', answerWithinSeconds: 30 });
export const DAY = { from: '2026-06-01T00:00:00+08:00', to: '2026-06-02T00:00:00+08:00' };

type Step = [time: string, type: CaseEvent['type'], payload: Record<string, unknown>];

function caseEvents(tenant: string, day: string, steps: Step[]): CaseEvent[] {
  const at = (t: string) => new Date(`${day}T${t}+08:00`);
  const caseId = uuidv7(at(steps[0]![0]));
  return steps.map(([t, type, payload], i) => ({
    id: randomUUID(), tenant, caseId, seq: i + 1, type, at: at(t).toISOString(), actor: 'system', payload: payload as never,
  }));
}

const reported = (district: string, channel: string, kind: string) => ({ number: 'KMG-260601-000001', channel, district, brigadeId: 'b', kind, injury: 'none' });
const answered = (seatId: string, waitSeconds: number) => ({ seatId, waitSeconds });
const evidence = { evidenceId: randomUUID(), item: 'parties_photo', kind: 'photo', hash: 'h', fileSha256: null };

export function scenario(): CaseEvent[] {
  const d1 = '2026-06-01';
  return [
    ...caseEvents('kunming', d1, [
      ['09:00:00', 'case.reported', reported('五华区', 'app12123', 'motor_motor')],
      ['09:00:05', 'case.ringing', { seatId: S1, overflow: false, ringDeadline: '2026-06-01T01:00:25Z' }],
      ['09:00:20', 'case.answered', answered(S1, 20)],
      ['09:01:00', 'evidence.added', evidence],
      ['09:03:00', 'evidence.completed', { items: 1, chainHead: 'h' }],
      ['09:05:20', 'case.evacuated', { seatId: S1, onSceneSeconds: 320 }],
      ['09:10:00', 'case.determined', { determinationNo: 'KMG-2026-000001', officerId: S2, grades: ['full', 'none'] }],
      ['09:10:30', 'case.served', { determinationNo: 'KMG-2026-000001', verifyCode: 'x' }],
      ['09:11:30', 'claim.pushed', { insurerId: 'picc', plate: '云A12345', claimNo: 'PICC-1' }],
      ['09:12:30', 'claim.pushed', { insurerId: 'pingan', plate: '云A54321', claimNo: 'PAIC-1' }],
      ['09:20:00', 'case.closed', {}],
    ]),
    ...caseEvents('kunming', d1, [
      ['09:30:00', 'case.reported', reported('盘龙区', 'app12123', 'motor_non_motor')],
      ['09:30:40', 'case.ringing', { seatId: S2, overflow: false, ringDeadline: '2026-06-01T01:31:00Z' }],
      ['09:31:00', 'case.answered', answered(S2, 60)],
      ['09:34:00', 'evidence.completed', { items: 3, chainHead: 'h' }],
      ['09:35:00', 'case.evacuated', { seatId: S2, onSceneSeconds: 300 }],
      ['09:50:00', 'case.determined', { determinationNo: 'KMG-2026-000002', officerId: S2, grades: ['primary', 'secondary'] }],
      ['09:50:10', 'case.served', { determinationNo: 'KMG-2026-000002', verifyCode: 'y' }],
      ['10:00:00', 'review.requested', { reviewId: randomUUID(), deadline: '2026-06-05T00:00:00+08:00' }],
    ]),
    ...caseEvents('kunming', d1, [
      ['14:00:00', 'case.reported', reported('五华区', 'wechat_miniprogram', 'single_vehicle')],
      ['14:01:00', 'case.abandoned', { reason: 'party_left' }],
    ]),
    ...caseEvents('kunming', d1, [
      ['14:10:00', 'case.reported', reported('盘龙区', 'app12123', 'motor_motor')],
      ['14:10:10', 'case.answered', answered(S1, 10)],
      ['14:12:00', 'case.escalated', { reason: 'injury', by: `seat:${S1}`, ticket: null }],
    ]),
    ...caseEvents('kunming', d1, [
      ['14:20:00', 'case.refused', { number: 'KMG-260601-000005', channel: 'app12123', district: '五华区', kind: 'motor_motor', reasons: ['outside_area'] }],
    ]),
    ...caseEvents('kunming', '2026-06-02', [
      ['09:00:00', 'case.reported', reported('西山区', 'app12123', 'motor_motor')],
      ['09:00:30', 'case.answered', answered(S2, 30)],
    ]),
    ...caseEvents('harbin', d1, [
      ['10:00:00', 'case.reported', { ...reported('道里区', 'app12123', 'motor_motor'), number: 'HRB-260601-000001' }],
      ['10:00:05', 'case.answered', answered(S1, 5)],
      ['10:04:05', 'case.evacuated', { seatId: S1, onSceneSeconds: 245 }],
    ]),
  ];
}

const none = { n: 0, mean: null, p50: null, p90: null, p95: null };

/** Kunming on 1 June (cases A–E), worked out by hand. quantileExact takes the element at floor(q·n). */
export const KUNMING_DAY = {
  reports: 5, eligible: 4, refused: 1, answered: 3, abandoned: 1, escalated: 1, evacuated: 2, determined: 2, served: 2, reviews: 1, claims: 1, closed: 1,
  abandonmentRate: 0.25, // C of A–D
  serviceLevel: 0.5, // A (20 s) and D (10 s) of answered A, B, D + abandoned C
  reviewRate: 0.5, // B of served A, B
  escalationRate: 0.25, // D of A–D
  speedOfAnswer: { n: 3, mean: 30, p50: 20, p90: 60, p95: 60 }, // 20, 60, 10
  handlingTime: { n: 2, mean: 270, p50: 300, p90: 300, p95: 300 }, // 300, 240
  timeOnScene: { n: 2, mean: 310, p50: 320, p90: 320, p95: 320 }, // 320, 300
  timeToDetermination: { n: 2, mean: 900, p50: 1200, p90: 1200, p95: 1200 }, // 600, 1200
  timeToService: { n: 2, mean: 920, p50: 1210, p90: 1210, p95: 1210 }, // 630, 1210
  claimPushLatency: { n: 1, mean: 60, p50: 60, p90: 60, p95: 60 }, // the first claim of A
  endToEnd: { n: 1, mean: 1200, p50: 1200, p90: 1200, p95: 1200 },
  // No photo-path case on this day (photoMetrics.test.ts has them): the photo path's share is 0 of 4.
  photoCases: 0, agreements: 0, onlineDeterminations: 0, photoShare: 0, agreementShare: null,
  reportToAgreement: none,
  // No mediation on this day (mediationMetrics.test.ts has them).
  mediations: 0, mediationsAgreed: 0, mediationsNotAgreed: 0, mediationNoShows: 0, mediationAgreementRate: null,
  mediationBookingToAgreement: none, mediationOpenToAgreement: none,
  // No direct-pay or rescue on this day (directPayRescueMetrics.test.ts has them).
  directPayCases: 0, directPayVouchers: 0, directPayVouchersRevoked: 0, directPayAdvancedFen: 0, directPaySettledFen: 0,
  directPayScanToSettlement: none, directPayBillToSettlement: none,
  rescues: 0, rescuesArrived: 0, rescuesCompleted: 0, rescueArrival: none,
};

export { none as NO_DURATION };
