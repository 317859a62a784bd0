// The media room's membership, protocol checks and lifecycle through the real app (PGlite, a
// mediasoup worker), without a browser: who may join a case's room, what a bad message gets, and
// how committed case events and a lost party open, drop, resume and close the room.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../src/signaling/messages.ts';
import { eventually } from './support/signalingClient.ts';
import { signalingHarness } from './support/signalingHarness.ts';
import { answer, caseState, escalate, reported, seatReady } from '@kuaichu/testkit/cases';

describe('media signalling and room lifecycle', () => {
  const h = signalingHarness({ partyAbsenceSeconds: 1 });
  const { connect } = h;

  test('nobody joins a room they do not belong to; the case has no room before it is answered', async () => {
    const seat = await seatReady(h.t);
    const { id, party } = await reported(h.t, '13900000001');
    const early = await connect(id, party);
    assert.equal((await early.closed).code, CloseCode.noCall, 'no call before the seat answers');
    await answer(h.t, id, seat);
    await eventually(() => h.media.service.room('harbin', id), 'the room opens on case.answered');

    const stranger = await connect(id, await h.t.party('harbin', '13900000099'));
    const otherSeat = await connect(id, await h.t.staff('harbin', 'seat-nangang'));
    const admin = await connect(id, await h.t.staff('harbin', 'admin'));
    const anonymous = await connect(id);
    const notACase = await connect('not-a-uuid', party);
    const otherTenant = await connect(id, await h.t.staff('kunming', 'officer'));
    const page = await connect(id, party, { origin: 'https://evil.example' });
    for (const [who, s, code] of [
      ['another party', stranger, CloseCode.notMember], ['a seat not on the case', otherSeat, CloseCode.notMember], ['an admin', admin, CloseCode.notMember],
      ['no session', anonymous, CloseCode.unauthenticated], ['a bad case id', notACase, CloseCode.notMember], ["another city's officer", otherTenant, CloseCode.notMember],
      ['a page from another origin', page, CloseCode.badOrigin],
    ] as const) {
      assert.equal((await s.closed).code, code, who);
    }

    const p = await connect(id, party);
    const joined = await p.join();
    assert.equal(joined.role, 'party_a');
    assert.equal(joined.caseId, id);
    assert.deepEqual(joined.peers, []);
    const s = await connect(id, seat);
    const seatJoined = await s.join();
    assert.equal(seatJoined.role, 'seat');
    assert.deepEqual(seatJoined.peers.map((x) => [x.role, x.displayName]), [['party_a', '当事人 139****0001']], 'the party is shown masked');
    const o = await connect(id, await h.t.staff('harbin', 'officer'));
    assert.equal((await o.join()).role, 'officer');
    assert.ok(await p.next('peerJoined', (d) => (d.peer as { role: string }).role === 'officer'));
    assert.deepEqual(h.media.service.room('harbin', id)!.serialize().peers.map((x) => x.role).sort(), ['officer', 'party_a', 'seat']);
    await escalate(h.t, id, seat);
  });

  test('bad messages are refused with a code, and roles limit what may be sent', async () => {
    const seat = await seatReady(h.t);
    const { id, party } = await reported(h.t, '13900000002');
    await answer(h.t, id, seat);
    const p = await connect(id, party);
    const code = (e: unknown) => (e as { code: string }).code;
    await assert.rejects(p.raw('nope', {}), (e) => code(e) === 'KC_VALIDATION');
    await assert.rejects(p.raw('join', {}), (e) => code(e) === 'KC_VALIDATION', 'join without capabilities');
    await assert.rejects(p.raw('createWebRtcTransport', { direction: 'sideways' }), (e) => code(e) === 'KC_VALIDATION');
    const send = await p.request('createWebRtcTransport', { direction: 'send' });
    assert.ok(send.iceCandidates.some((c) => c.address === '127.0.0.1' && c.protocol === 'udp'));
    const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1111 }] };
    await assert.rejects(p.request('produce', { transportId: send.transportId, kind: 'audio', rtpParameters, source: 'microphone' }), (e) => code(e) === 'KC_VALIDATION', 'join first');
    await p.join();
    await assert.rejects(p.request('produce', { transportId: send.transportId, kind: 'audio', rtpParameters, source: 'camera' }), (e) => code(e) === 'KC_VALIDATION', 'a camera is video');
    await assert.rejects(p.request('produce', { transportId: 'nope', kind: 'audio', rtpParameters, source: 'microphone' }), (e) => code(e) === 'KC_NOT_FOUND');
    const { producerId } = await p.request('produce', { transportId: send.transportId, kind: 'audio', rtpParameters, source: 'microphone' });
    await assert.rejects(p.request('produce', { transportId: send.transportId, kind: 'audio', rtpParameters: { ...rtpParameters, encodings: [{ ssrc: 2222 }] }, source: 'microphone' }), (e) => code(e) === 'KC_VALIDATION', 'one microphone');
    await p.request('pauseProducer', { producerId });
    const stats = await p.request('getStats', {});
    assert.deepEqual(stats.producers.map((x) => [x.role, x.kind, x.source]), [['party_a', 'audio', 'microphone']]);
    assert.equal(stats.transports[0]!.direction, 'send');
    p.sendText('not json');
    p.sendText(JSON.stringify({ kind: 'request', id: -1 }));
    assert.ok(await p.request('getRouterRtpCapabilities', {}), 'bad frames are ignored, the socket lives');
    // A request broken at the frame (its data not an object) is still answered by its id: a client
    // waiting for it is not left waiting (found by the signalling fuzz).
    await assert.rejects(p.raw('closeProducer', '\u0000OT'), (e) => code(e) === 'KC_VALIDATION');
    await escalate(h.t, id, seat);
  });

  test('a lost party drops the call; 继续处理 rejoins the same room; leaving the scene or escalating closes it', async () => {
    const seat = await seatReady(h.t);
    const { id, party } = await reported(h.t, '13900000003');
    await answer(h.t, id, seat);
    const room = await eventually(() => h.media.service.room('harbin', id), 'room');
    const s = await connect(id, seat);
    await s.join();
    const p1 = await connect(id, party);
    await p1.join();
    await s.next('peerJoined');

    p1.kill(); // the phone's network goes
    const left = await s.next('peerLeft');
    assert.equal(left.data.role, 'party_a');
    assert.equal(left.data.reason, 'socket_closed');
    await eventually(async () => (await caseState(h.t, id, seat)) === 'interrupted', 'call.dropped by the media plugin');
    const events = (await h.t.call('GET', `/api/cases/${id}`, { token: seat })).json();
    assert.equal(events.state, 'interrupted');

    assert.equal((await h.t.call('POST', `/api/cases/${id}/resume`, { token: party })).statusCode, 200);
    await answer(h.t, id, seat);
    const p2 = await connect(id, party);
    const back = await p2.join();
    assert.equal(h.media.service.room('harbin', id), room, 'the same room');
    assert.deepEqual(back.peers.map((x) => x.role), ['seat']);
    assert.ok(await s.next('peerJoined', (d) => (d.peer as { role: string }).role === 'party_a' && (d.peer as { peerId: string }).peerId !== left.data.peerId), 'the seat sees the party return');

    const esc = await h.t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '当事人要求民警到场' } });
    assert.equal(esc.statusCode, 200, esc.body);
    assert.deepEqual((await s.next('roomClosed')).data, { reason: 'escalated' });
    assert.equal((await s.closed).code, CloseCode.roomClosed);
    assert.equal((await p2.closed).code, CloseCode.roomClosed);
    await eventually(() => room.closed && !h.media.service.room('harbin', id), 'room gone');
  });

  test('a room without its party for longer than the resume window closes; a newer connection replaces an older one', async () => {
    const seat = await seatReady(h.t);
    const { id, party } = await reported(h.t, '13900000004');
    await answer(h.t, id, seat);
    const s = await connect(id, seat);
    await s.join();
    const first = await connect(id, party);
    await first.join();
    const second = await connect(id, party);
    await second.join();
    assert.equal((await first.closed).code, CloseCode.replaced, 'one connection per person');
    assert.equal(await caseState(h.t, id, seat), 'in_call', 'a replaced connection is not a drop');
    await second.request('leave', {}); // the party hangs up
    assert.ok(await s.next('peerLeft', (d) => d.reason === 'left'));
    await eventually(async () => (await caseState(h.t, id, seat)) === 'interrupted', 'dropped');
    // partyAbsenceSeconds: 1 stands for the city's resumeWindowSeconds here.
    assert.deepEqual((await s.next('roomClosed', () => true, 5000)).data, { reason: 'party_absent' });
    assert.equal(h.media.service.room('harbin', id), undefined);
  });
});
