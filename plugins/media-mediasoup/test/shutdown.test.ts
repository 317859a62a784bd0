// Issue 15, graceful shutdown (SIGTERM → core.shutdown): /readyz turns 503 at once; a join that
// would open a new room here is refused with 1012 (the client goes to another process); a call in
// progress may go on for the grace and is then closed with 1012 — not dropped: the case stays in
// its call with its seat, for the clients to rejoin elsewhere; every committed event is on the bus
// before the process closes. (The SIGTERM itself, on a real process behind the balancer: tools/test/cluster.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore } from '@kuaichu/testkit/core';
import { answer, reported, seatReady } from '@kuaichu/testkit/cases';
import { createMedia } from '../src/index.ts';
import { CloseCode } from '../src/signaling/messages.ts';
import { TestSignaling } from './support/signalingClient.ts';

test('SIGTERM drains: not ready, no new room, calls closed with 1012 and left in their call, the outbox relayed', async (t) => {
  const media = createMedia({ workers: 1, recording: { enabled: false }, transport: { listenIp: '127.0.0.1' }, logger: { debug() {}, info() {}, warn() {}, error: (m) => console.error(m) } });
  const tc = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin, env: { KUAICHU_MEDIA_ROOMS: 'on-join' } });
  t.after(() => tc.close());
  const relayed: Array<{ caseId: string; seq: number; type: string }> = [];
  await tc.core.bus.subscribe('shutdown-test', async (events) => void relayed.push(...events.map((e) => ({ caseId: e.caseId, seq: e.seq, type: e.type }))));

  const ready = await tc.call('GET', '/readyz');
  assert.equal(ready.statusCode, 200, ready.body);

  // A call held here: the room opened on the first join (on-join, as behind the balancer).
  const seat = await seatReady(tc);
  const held = await reported(tc, '13900000701');
  await answer(tc, held.id, seat);
  const p = await TestSignaling.connect(tc.core.app, held.id, held.party);
  await p.join();
  const s = await TestSignaling.connect(tc.core.app, held.id, seat);
  await s.join();
  assert.ok(media.service.room('harbin', held.id));
  // Another case in a call whose room is not here yet (its clients were elsewhere).
  const seat2 = await seatReady(tc, 'seat-nangang');
  const otherParty = await tc.party('harbin', '13900000702');
  const r = await tc.call('POST', '/api/cases', { token: otherParty, body: { clientKey: 'shutdown-other-abcdef', report: { location: { lng: 126.669, lat: 45.76 }, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  const other = { id: r.json().id as string, party: otherParty }; // in 南岗区: seat-nangang's brigade
  await answer(tc, other.id, seat2);
  const view = async (id: string, token: string) => (await tc.call('GET', `/api/cases/${id}`, { token })).json() as { state: string; timeline: Array<{ seq: number }> };

  const heldBefore = await view(held.id, seat);
  const shutdown = tc.core.shutdown({ graceMs: 1500 });
  // At once: not ready (the orchestrator and the balancer's checks stop sending here).
  const during = await tc.call('GET', '/readyz');
  assert.equal(during.statusCode, 503);
  assert.equal(during.json().error.details.draining, true);
  // No new room: a join for a case without one here is sent away with 1012.
  assert.equal((await view(other.id, seat2)).state, 'in_call');
  const late = await TestSignaling.connect(tc.core.app, other.id, other.party);
  assert.equal((await late.closed).code, CloseCode.restarting);
  assert.equal(media.service.room('harbin', other.id), undefined);
  // The held call goes on during the grace …
  assert.equal(p.closeInfo, null);
  assert.ok(await p.request('getRouterRtpCapabilities', {}));
  // … then is closed with 1012 for the clients to rejoin elsewhere.
  assert.equal((await p.closed).code, CloseCode.restarting);
  assert.equal((await s.closed).code, CloseCode.restarting);
  await shutdown;
  // Every event committed before the shutdown is on the bus, and the call was not dropped (no
  // call.dropped: the case stays in its call with its seat, for the clients to rejoin elsewhere).
  assert.equal(heldBefore.state, 'in_call');
  for (const e of heldBefore.timeline) assert.ok(relayed.some((r) => r.caseId === held.id && r.seq === e.seq), `event #${e.seq} relayed`);
  const heldEvents = relayed.filter((r) => r.caseId === held.id);
  assert.deepEqual(heldEvents.filter((r) => r.type === 'call.dropped'), []);
  assert.equal(Math.max(...heldEvents.map((r) => r.seq)), Math.max(...heldBefore.timeline.map((e) => e.seq)), 'nothing happened to the case after');
});
