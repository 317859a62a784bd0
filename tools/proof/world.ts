/**
 * The world the proofs run in: a real core (PGlite, the manual clock, the server's own logger
 * options with every line kept for the personal-data scan) holding a Harbin case that went the
 * whole way — reported, answered, every checklist line recorded with photos and registry checks
 * (ID numbers and phones travel through the API), left the scene, determined, served, a review
 * pending — and a second Harbin case waiting in the queue. Sessions of every role of Harbin and
 * of Kunming, parties of both, and the victim case's identifiers for leak detection.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { loggerOptions } from '@kuaichu/core/privacy/logRedaction';
import { DEMO_PASSWORD, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { recordHarbinChecklist } from '@kuaichu/testkit/harbinCase';
import { DAOLI } from '@kuaichu/testkit/cases';

export const VICTIM_PHONE = '13800000401';
export const OTHER_PARTY_PHONE = '13800000402';
export const QUEUED_PHONE = '13800000403';

export interface Caller { name: string; tenant: string | null; token?: string }

export interface World {
  t: TestCore;
  /** Every line the server logged, as written (JSON). */
  log: string[];
  victim: { caseId: string; queuedId: string; number: string; queuedNumber: string; reviewId: string; files: string[]; code: string; docNumber: string; docSha: string; staffIds: string[] };
  /** Harbin's own callers (the case's tenant): parties and every staff role. */
  harbin: Caller[];
  /** Callers who must never see the victim's data: every role of Kunming, a Kunming party, another Harbin party, nobody. */
  strangers: Caller[];
  /** Texts that, in an answer to a stranger, would be a leak. */
  markers(opts?: { documentShown?: boolean }): string[];
  close(): Promise<void>;
}

async function login(t: TestCore, tenant: string, username: string): Promise<string> {
  const r = await t.call('POST', '/api/auth/login', { body: { tenant, username, password: DEMO_PASSWORD } });
  assert.equal(r.statusCode, 200, `${tenant}/${username}: ${r.body}`);
  return r.json().token as string;
}

export async function buildWorld(): Promise<World> {
  const log: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { log.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  const t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { logger: { ...loggerOptions('info'), stream } });

  const party = await t.party('harbin', VICTIM_PHONE);
  const seat = await t.staff('harbin', 'seat-daoli');
  assert.equal((await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } })).statusCode, 200);
  const reported = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'proof-victim-abcdef', report: { location: DAOLI, kind: 'motor_motor', address: '道里区中央大街' } } });
  assert.equal(reported.statusCode, 201, reported.body);
  const caseId = reported.json().id as string;
  await t.core.tick();
  assert.equal((await t.call('POST', `/api/cases/${caseId}/answer`, { token: seat })).statusCode, 200);
  await recordHarbinChecklist(t, caseId, seat);
  assert.equal((await t.call('POST', `/api/cases/${caseId}/evacuate`, { token: seat })).json().state, 'evacuated');
  const officer = await t.staff('harbin', 'officer');
  const determined = await t.call('POST', `/api/cases/${caseId}/determination`, { token: officer, body: { facts: '张伟驾驶黑A12345追尾李娜驾驶的黑AD56789。', parties: [
    { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
    { name: '李娜', phone: OTHER_PARTY_PHONE, plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
  ] } });
  assert.equal(determined.statusCode, 201, determined.body);
  const review = await t.call('POST', `/api/cases/${caseId}/reviews`, { token: party, body: { reason: '我认为前车突然刹车，请求复核。' } });
  assert.equal(review.statusCode, 201, review.body);
  const view = (await t.call('GET', `/api/cases/${caseId}`, { token: officer })).json();
  const files = [...new Set<string>(view.evidence.map((e: { file: { sha256: string } | null }) => e.file?.sha256).filter(Boolean))];
  const code = String(view.determination.verifyUrl).split('/verify/')[1]!;
  const queued = await t.call('POST', '/api/cases', { token: await t.party('harbin', QUEUED_PHONE), body: { clientKey: 'proof-queued-abcdef', report: { location: DAOLI, kind: 'motor_motor' } } });
  assert.equal(queued.statusCode, 201, queued.body);

  const victim = {
    caseId, number: reported.json().number as string, queuedId: queued.json().id as string, queuedNumber: queued.json().number as string,
    reviewId: review.json().id as string, files, code, docNumber: view.determination.number as string,
    docSha: (await t.call('GET', `/api/verify/${code}`)).json().documentSha256 as string,
    staffIds: await Promise.all([seat, officer].map(async (token) => (await t.call('GET', '/api/me', { token })).json().staff.id as string)),
  };

  // Sessions of their own (not the test kit's cached ones): a probed logout ends only its own.
  const harbin: Caller[] = [
    { name: 'harbin party (the victim)', tenant: 'harbin', token: await t.party('harbin', VICTIM_PHONE) },
    ...await Promise.all(['seat-daoli', 'officer', 'analyst', 'province', 'admin'].map(async (u) => ({ name: `harbin ${u}`, tenant: 'harbin', token: await login(t, 'harbin', u) }))),
  ];
  const strangers: Caller[] = [
    { name: 'nobody', tenant: null },
    ...await Promise.all(['seat-wuhua', 'officer', 'analyst', 'province', 'admin'].map(async (u) => ({ name: `kunming ${u}`, tenant: 'kunming', token: await login(t, 'kunming', u) }))),
    { name: 'kunming party', tenant: 'kunming', token: await t.party('kunming', '13900000401') },
    { name: 'harbin party of another phone', tenant: 'harbin', token: await t.party('harbin', '13800000499') },
  ];
  return {
    t, log, victim, harbin, strangers,
    markers: (opts = {}) => [victim.caseId, victim.queuedId, victim.number, victim.queuedNumber, victim.reviewId, ...victim.files, ...victim.staffIds,
      VICTIM_PHONE, OTHER_PARTY_PHONE, QUEUED_PHONE, '张伟', '李娜', '230102198503127810', '230103199007214422',
      ...(opts.documentShown ? [] : [victim.code, victim.docNumber, victim.docSha])],
    close: () => t.close(),
  };
}
