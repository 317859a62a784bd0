// The duty supervisor (班长) listening in to a call (issue 17), through the real app (PGlite, a
// mediasoup worker), without a browser: admitted to a live call's room as `supervisor`, receives
// (a recv transport), may not send anything, its leaving does not drop the call; no room to enter
// before the call, none in another city.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../src/signaling/messages.ts';
import { eventually } from './support/signalingClient.ts';
import { signalingHarness } from './support/signalingHarness.ts';
import { answer, caseState, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { forTenant } from '@kuaichu/core/harness';

describe('listening in (receive-only supervisor)', () => {
  const h = signalingHarness({ partyAbsenceSeconds: 1 });
  const { connect } = h;

  test('a supervisor joins a live call as a listener and can send nothing', async () => {
    const seat = await seatReady(h.t);
    const { id, party } = await reported(h.t, '13900000801');
    const supervisor = await h.t.staff('harbin', 'supervisor');
    const early = await connect(id, supervisor);
    assert.equal((await early.closed).code, CloseCode.notMember, 'no call to listen to while the case waits');
    await answer(h.t, id, seat);
    await eventually(() => h.media.service.room('harbin', id), 'the room opens on case.answered');
    const p = await connect(id, party);
    await p.join();
    const s = await connect(id, seat);
    await s.join();

    const stranger = await connect(id, await h.t.staff('kunming', 'supervisor'));
    assert.equal((await stranger.closed).code, CloseCode.notMember, "another city's supervisor");

    const l = await connect(id, supervisor);
    const joined = await l.join();
    assert.equal(joined.role, 'supervisor');
    assert.deepEqual(joined.peers.map((x) => x.role).sort(), ['party_a', 'seat']);
    assert.ok(await s.next('peerJoined', (d) => (d.peer as { role: string }).role === 'supervisor'), 'the seat sees who listens');
    const recv = await l.request('createWebRtcTransport', { direction: 'recv' });
    assert.ok(recv.transportId, 'receives');
    const send = await l.request('createWebRtcTransport', { direction: 'send' });
    const code = (e: unknown) => (e as { code: string }).code;
    const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 3333 }] };
    await assert.rejects(l.request('produce', { transportId: send.transportId, kind: 'audio', rtpParameters, source: 'microphone' }), (e) => code(e) === 'KC_FORBIDDEN', 'no microphone');
    await assert.rejects(l.request('produce', { transportId: send.transportId, kind: 'video', rtpParameters: { ...rtpParameters, codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] }, source: 'camera' }), (e) => code(e) === 'KC_FORBIDDEN', 'no camera');
    assert.deepEqual(h.media.service.room('harbin', id)!.serialize().peers.map((x) => x.role).sort(), ['party_a', 'seat', 'supervisor']);
    const audit = await forTenant(h.t.db, 'harbin').query<{ action: string; details: { caseId: string } }>("SELECT action, details FROM audit_log WHERE tenant = $1 AND action = 'call.listened'", ['harbin']);
    assert.deepEqual(audit.map((a) => a.details.caseId), [id], 'listening in is in the audit log');

    l.kill();
    assert.equal((await s.next('peerLeft', (d) => d.role === 'supervisor')).data.role, 'supervisor');
    assert.equal(await caseState(h.t, id, seat), 'in_call', 'the listener leaving does not drop the call');
    await escalate(h.t, id, seat);
  });
});
