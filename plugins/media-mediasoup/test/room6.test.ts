// Rooms of up to six (issue 14, Yancheng's 云车通), through the real app (PGlite, a mediasoup worker),
// without a browser: the seat, both parties, the insurer, the repair shop and the mediator join one
// case's room, each admitted as its invited role and told of the others; a seventh (an officer) is
// refused with 4429 while a listening supervisor is not counted; the invited participants' joins
// and leaves are evidence; a revoked invitation no longer admits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOM_ROLES, yanchengRoom } from '@kuaichu/testkit/yanchengRoom';
import { CloseCode } from '../src/signaling/messages.ts';
import { ROOM_CAPACITY } from '../src/Room.ts';
import { TestSignaling, eventually } from './support/signalingClient.ts';
import { signalingHarness } from './support/signalingHarness.ts';

describe('a room of six', () => {
  const h = signalingHarness({ partyAbsenceSeconds: 30 });
  const { connect } = h;

  test('six join as their roles and see each other; a seventh is refused; joins and leaves are evidence', async () => {
    assert.equal(ROOM_CAPACITY, 6);
    const room = await yanchengRoom(h.t);
    await eventually(() => h.media.service.room('yancheng', room.caseId), 'the room opens on case.answered');
    const joined = new Map<string, TestSignaling>();
    for (const role of ROOM_ROLES) {
      const s = await connect(room.caseId, room.tokens[role]);
      const j = await s.join();
      assert.equal(j.role, role);
      assert.equal(j.peers.length, joined.size, `${role} is told of everyone already in`);
      joined.set(role, s);
    }
    assert.deepEqual(h.media.service.room('yancheng', room.caseId)!.joinedPeers().map((p) => p.role).sort(), [...ROOM_ROLES].sort());
    const insurer = h.media.service.room('yancheng', room.caseId)!.joinedPeers().find((p) => p.role === 'insurer')!;
    assert.match(insurer.displayName, /测试insurer/);

    const officer = await connect(room.caseId, await h.t.staff('yancheng', 'officer'));
    const refused = await officer.closed;
    assert.equal(refused.code, CloseCode.roomFull);
    assert.match(refused.reason, /at most 6/);
    const supervisor = await connect(room.caseId, await h.t.staff('yancheng', 'supervisor'));
    assert.equal((await supervisor.join()).role, 'supervisor', 'a listener is not counted');

    // The mediator leaves: a note in the evidence; then the room has a place again.
    joined.get('mediator')!.kill();
    const officerToken = await h.t.staff('yancheng', 'officer');
    const notes = async () => {
      const view = (await h.t.call('GET', `/api/cases/${room.caseId}`, { token: officerToken })).json();
      return (view.evidence as Array<{ item: string; data: { presence?: string; role?: string } }>).filter((e) => e.item === 'note' && e.data.presence).map((e) => `${e.data.role}:${e.data.presence}`);
    };
    const seen = await eventually(async () => { const n = await notes(); return n.includes('mediator:left') && n; }, 'the leave is evidence');
    for (const role of ['party_b', 'insurer', 'repair_shop', 'mediator']) assert.ok(seen.includes(`${role}:joined`), `${role}'s join is evidence`);
    assert.ok(!seen.some((x) => x.startsWith('seat:') || x.startsWith('party_a:')), 'the seat and party A are the call itself');
    const again = await connect(room.caseId, officerToken);
    assert.equal((await again.join()).role, 'officer', 'a place came free');
  });

  test('the seat mutes and removes a participant; nobody else may; the removed cannot come back', async () => {
    const room = await yanchengRoom(h.t);
    await eventually(() => h.media.service.room('yancheng', room.caseId), 'the room opens');
    const s: Partial<Record<string, TestSignaling>> = {};
    const ids: Record<string, string> = {};
    for (const role of ['party_a', 'seat', 'insurer', 'mediator'] as const) {
      s[role] = await connect(room.caseId, room.tokens[role]);
      ids[role] = (await s[role]!.join()).peerId;
    }
    const refused = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code?: string }) => e.code);
    assert.equal(await refused(s.party_a!.raw('moderate', { peerId: ids.insurer, action: 'mute' })), 'KC_FORBIDDEN', 'a party does not moderate');
    assert.equal(await refused(s.insurer!.raw('moderate', { peerId: ids.mediator, action: 'remove' })), 'KC_FORBIDDEN', 'a partner does not moderate');
    assert.equal(await refused(s.seat!.raw('moderate', { peerId: ids.seat, action: 'remove' })), 'KC_NOT_FOUND', 'not oneself');
    assert.equal(await refused(s.seat!.raw('moderate', { peerId: 'no-such-peer', action: 'mute' })), 'KC_NOT_FOUND');
    assert.equal(await refused(s.seat!.raw('moderate', { peerId: ids.insurer, action: 'shout' })), 'KC_VALIDATION', 'the schema checks the action');

    // Mute: the insurer is told (its screen says so); it stays in the room.
    await s.seat!.raw('moderate', { peerId: ids.insurer, action: 'mute' });
    await s.insurer!.next('moderated', (d) => d['action'] === 'mute');
    assert.ok(h.media.service.room('yancheng', room.caseId)!.joinedPeers().some((p) => p.role === 'insurer'));

    // Remove: the mediator is told, disconnected with 4002; the others hear it left (removed); it cannot come back.
    await s.seat!.raw('moderate', { peerId: ids.mediator, action: 'remove' });
    await s.mediator!.next('moderated', (d) => d['action'] === 'remove');
    assert.equal((await s.mediator!.closed).code, CloseCode.removed);
    await s.party_a!.next('peerLeft', (d) => d['peerId'] === ids.mediator && d['reason'] === 'removed');
    const back = await connect(room.caseId, room.tokens.mediator);
    const again = await back.closed;
    assert.equal(again.code, CloseCode.removed);
    assert.match(again.reason, /removed/);
    assert.deepEqual(h.media.service.room('yancheng', room.caseId)!.joinedPeers().map((p) => p.role).sort(), ['insurer', 'party_a', 'seat']);
  });

  test('a revoked invitation no longer admits', async () => {
    const room = await yanchengRoom(h.t);
    await eventually(() => h.media.service.room('yancheng', room.caseId), 'the room opens');
    const list = (await h.t.call('GET', `/api/cases/${room.caseId}/invitations`, { token: room.tokens.seat })).json();
    const ins = list.invitations.find((i: { role: string }) => i.role === 'insurer');
    assert.equal((await h.t.call('POST', `/api/cases/${room.caseId}/invitations/${ins.id}/revoke`, { token: room.tokens.seat, body: {} })).statusCode, 200);
    const s = await connect(room.caseId, room.tokens.insurer);
    assert.equal((await s.closed).code, CloseCode.notMember);
  });
});
