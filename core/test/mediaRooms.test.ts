// Core's side of the media room, without a media server: who joins a case's room as what, how
// core answers what a room reports (through the case services, on a real database), and how
// the media plugin is found. The rooms themselves: plugins/media-mediasoup/test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, caseState, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { tinyPng, tinyWebm } from '@kuaichu/testkit/media';
import type { CaseRow } from '../src/cases/repository.ts';
import { listEvidence } from '../src/cases/evidence.ts';
import { admit, mediaEntry } from '../src/media/admission.ts';
import { roomReports } from '../src/media/roomReports.ts';
import { findMedia } from '../src/plugins/process.ts';
import type { MediaPort, MediaReports } from '../src/ports/media.ts';
import { followCaseCalls } from '../src/media/caseCalls.ts';
import { until } from '@kuaichu/testkit/until';

test('roles: who joins a case room as what', () => {
  const c = { tenant: 'harbin', party_phone: '13800000001', seat_id: 's1', ring_seat: null, preferred_seat: null } as unknown as CaseRow;
  const staff = (id: string, roles: string[]) => ({ tenant: 'harbin', csrf: '', expiresAt: new Date(), staff: { id, username: id, displayName: id, roles: roles as never, brigadeId: null } });
  assert.equal(admit({ tenant: 'harbin', csrf: '', expiresAt: new Date(), party: { phone: '13800000001', channel: null } }, c)?.role, 'party_a');
  assert.equal(admit({ tenant: 'harbin', csrf: '', expiresAt: new Date(), party: { phone: '13800000002', channel: null } }, c), null);
  assert.equal(admit(staff('s1', ['seat']), c)?.role, 'seat');
  assert.equal(admit(staff('s2', ['seat']), c), null, 'another seat');
  assert.equal(admit(staff('o1', ['officer']), c)?.role, 'officer');
  assert.equal(admit(staff('a1', ['admin', 'analyst']), c), null);
  assert.equal(admit({ ...staff('o1', ['officer']), tenant: 'kunming' }, c), null, 'another city');
  const dropped = { ...c, seat_id: null, preferred_seat: 's1' } as CaseRow;
  assert.equal(admit(staff('s1', ['seat']), dropped)?.role, 'seat', 'the seat a dropped call waits for');
});

test('the media plugin is found under plugins/ like the others, unless switched off', async () => {
  const plugin = await findMedia({ env: {} });
  assert.equal(plugin?.name, 'media-mediasoup');
  assert.equal(plugin?.port, 'media');
  assert.equal(await findMedia({ env: { KUAICHU_MEDIA: 'off' } }), null);
});

let t: TestCore;
let reports: MediaReports;
const quiet = { info() {}, warn() {} };
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
  reports = roomReports(t.core.ctx, quiet);
});
after(async () => t?.close());

test('a socket is admitted with its role and the room of its case, or refused', async () => {
  const seat = await seatReady(t);
  const { id } = await reported(t, '13900000011');
  const ctx = t.core.ctx;
  assert.deepEqual(await mediaEntry(ctx, null, id), { admitted: false, refusal: 'unauthenticated' });
  const harbinOfficer = { tenant: 'harbin', csrf: '', expiresAt: new Date(), staff: { id: 'x', username: 'x', displayName: '民警', roles: ['officer' as const], brigadeId: null } };
  assert.deepEqual(await mediaEntry(ctx, harbinOfficer, 'not-a-uuid'), { admitted: false, refusal: 'not_member' });
  const queued = await mediaEntry(ctx, harbinOfficer, id);
  assert.ok(queued.admitted);
  assert.equal(queued.inCall, false);
  assert.equal(queued.room.partyAbsenceSeconds, ctx.cities.get('harbin').profile.queue?.resumeWindowSeconds ?? 600);
  await answer(t, id, seat);
  const inCall = await mediaEntry(ctx, harbinOfficer, id);
  assert.ok(inCall.admitted && inCall.inCall && inCall.state === 'in_call');
  assert.deepEqual(inCall.participant, { role: 'officer', identity: 'staff:x', displayName: '民警' });
  await escalate(t, id, seat);
});

test('reports: a lost party drops the call; recordings and stills become evidence by system', async () => {
  const seat = await seatReady(t);
  const { id } = await reported(t, '13900000012');
  await answer(t, id, seat);
  const room = { tenant: 'harbin', caseId: id };
  const party = { role: 'party_a' as const, identity: 'party:13900000012', displayName: '当事人 139****0012' };

  await reports.participantLost({ room, participant: { role: 'seat', identity: 'staff:s', displayName: 's' }, reason: 'socket_closed' });
  assert.equal(await caseState(t, id, seat), 'in_call', 'a seat leaving does not drop the call');
  await reports.participantLost({ room, participant: party, reason: 'ice_lost' });
  assert.equal(await caseState(t, id, seat), 'interrupted', 'the reporting party lost: call.dropped');
  await reports.participantLost({ room, participant: party, reason: 'socket_closed' });
  assert.equal(await caseState(t, id, seat), 'interrupted', 'not in a call: nothing more happens');

  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-rec-'));
  // Whose each track is (a part holds every sender): kept in the evidence as the plugin gave it.
  const tracks = [
    { index: 0, kind: 'video' as const, label: 'party_a', role: 'party_a' as const, peerId: 'p1', default: true },
    { index: 1, kind: 'video' as const, label: 'insurer', role: 'insurer' as const, peerId: 'p3', default: false },
    { index: 2, kind: 'audio' as const, label: 'mix', role: null, peerId: null, default: true },
    { index: 3, kind: 'audio' as const, label: 'party_a', role: 'party_a' as const, peerId: 'p1', default: false },
    { index: 4, kind: 'audio' as const, label: 'seat', role: 'seat' as const, peerId: 'p2', default: false },
    { index: 5, kind: 'audio' as const, label: 'insurer', role: 'insurer' as const, peerId: 'p3', default: false },
  ];
  const recording = (n: number) => {
    const file = path.join(dir, `part-${n}.webm`);
    writeFileSync(file, tinyWebm(n));
    return { room, file: { path: file, contentType: 'video/webm' }, startedAt: '2026-06-01T02:00:00.000Z', endedAt: '2026-06-01T02:01:00.000Z', durationSeconds: 60, mediaSeconds: 59.9, tracks };
  };
  const first = await reports.recordingStored(recording(1));
  const second = await reports.recordingStored(recording(2));
  assert.deepEqual([first.part, second.part], [1, 2], 'parts numbered as they are stored');
  assert.equal(second.seq, first.seq + 1);
  const still = await reports.frameCaptured({ room, participant: party, item: 'collision_closeups', image: tinyPng(), capturedAt: '2026-06-01T02:00:30.000Z' });

  const items = await listEvidence(t.db, 'harbin', id);
  const recs = items.filter((e) => e.item === 'recording');
  assert.deepEqual(recs.map((e) => [e.id, e.created_by, e.content_type, e.data.part, e.data.durationSeconds, e.data.tracks]), [
    [first.evidenceId, 'system', 'video/webm', 1, 60, tracks],
    [second.evidenceId, 'system', 'video/webm', 2, 60, tracks],
  ]);
  assert.equal(recs[0]!.file_sha256, first.sha256);
  const photo = items.find((e) => e.id === still.evidenceId);
  assert.equal(photo?.item, 'collision_closeups');
  assert.equal(photo?.content_type, 'image/png');
  assert.equal(photo?.file_sha256, still.sha256);
  assert.ok(await t.core.ctx.files.has(still.sha256));

  await assert.rejects(reports.frameCaptured({ room, participant: party, item: 'no_such_item', image: tinyPng(8, 8), capturedAt: '2026-06-01T02:00:31.000Z' }), /no_such_item|item/);
});

test('rooms open on case.answered in every process, or (KUAICHU_MEDIA_ROOMS=on-join) only where someone joins', async () => {
  const followers = [true, false].map((openOnAnswer) => {
    const calls: string[] = [];
    const port: MediaPort = {
      kind: 'fake', openRoom: async (r) => void calls.push(`open ${r.caseId}`), keepOnly: (r) => void calls.push(`keep ${r.caseId}`),
      admit: async () => {}, endCall: () => {}, close: async () => {}, stats: async () => ({ configuredWorkers: 0, workers: [] }),
    };
    return { openOnAnswer, calls, following: followCaseCalls(t.core.ctx, port, { error: () => {} }, { openOnAnswer }) };
  });
  const seat = await seatReady(t);
  const { id } = await reported(t, '13900150301');
  await answer(t, id, seat);
  for (const f of followers) {
    await until(() => f.calls.includes(`keep ${id}`), 'the answer is heard');
    assert.equal(f.calls.includes(`open ${id}`), f.openOnAnswer, `openOnAnswer ${f.openOnAnswer}`);
    await (await f.following).close();
  }
  await escalate(t, id, seat);
});
