// Issue 16, media faults: a mediasoup worker killed mid-call (SIGKILL to its pid). The room on it
// closes its sockets with 1012 (restarting: the clients rejoin, as after a process going away),
// not 4000 (call ended); the case stays in its call with its seat; the clients' rejoin opens the
// case's room again on a live worker, both parties are back in it, and the party's microphone
// reaches the seat again (the seat is asked to take it: newConsumer); the pool starts a worker in
// place of the dead one. Real mediasoup, 2 workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore } from '@kuaichu/testkit/core';
import { answer, caseState, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { until } from '@kuaichu/testkit/until';
import { createMedia } from '../src/index.ts';
import { CloseCode } from '../src/signaling/messages.ts';
import { rejoinable } from '../src/client/rejoin.ts';
import { TestSignaling } from './support/signalingClient.ts';

const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1111 }] };

test('a worker killed mid-call: sockets closed with 1012, the room comes back on another worker and the parties resume', async (t) => {
  const errors: string[] = [];
  const media = createMedia({ workers: 2, recording: { enabled: false }, transport: { listenIp: '127.0.0.1' }, logger: { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) } });
  const tc = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin });
  const sockets: TestSignaling[] = [];
  t.after(async () => {
    for (const s of sockets) s.close();
    await tc.close();
  });
  const seat = await seatReady(tc);
  const { id, party } = await reported(tc, '13900000801');
  await answer(tc, id, seat);
  const connect = async (token: string) => {
    const s = await TestSignaling.connect(tc.core.app, id, token);
    sockets.push(s);
    return s;
  };
  const p1 = await connect(party);
  await p1.join();
  const s1 = await connect(seat);
  s1.takeConsumers = true;
  await s1.request('createWebRtcTransport', { direction: 'recv' });
  await s1.join();
  const room1 = await until(() => media.service.room('harbin', id), 'the room is open');
  const deadPid = room1.worker.pid;

  process.kill(deadPid, 'SIGKILL');

  const [pc, sc] = await Promise.all([p1.closed, s1.closed]);
  assert.equal(pc.code, CloseCode.restarting, 'the party is told to rejoin (1012), not that the call ended');
  assert.equal(sc.code, CloseCode.restarting);
  assert.ok(rejoinable(pc.code), 'the client rejoins after that code');
  assert.equal(await caseState(tc, id, seat), 'in_call', 'the case is still in its call');
  assert.ok(errors.some((e) => e.includes(String(deadPid))), 'the death is logged');

  // The clients rejoin: the room opens again, on the live worker.
  const p2 = await connect(party);
  await p2.join();
  const s2 = await connect(seat);
  s2.takeConsumers = true;
  await s2.request('createWebRtcTransport', { direction: 'recv' });
  await s2.join();
  const room2 = media.service.room('harbin', id)!;
  assert.notEqual(room2, room1);
  assert.notEqual(room2.worker.pid, deadPid, 'on another worker');
  assert.equal(room2.worker.closed, false);
  assert.deepEqual(room2.serialize().peers.map((x) => x.role).sort(), ['party_a', 'seat']);
  // Media flows again: the party's microphone is offered to the seat.
  const send = await p2.request('createWebRtcTransport', { direction: 'send' });
  await p2.request('produce', { transportId: send.transportId, kind: 'audio', rtpParameters, source: 'microphone' });
  await until(() => s2.serverRequests.some((r) => r.method === 'newConsumer'), 'the seat is offered the party’s microphone');
  // The pool is back to its size: a new worker in place of the dead one.
  const pids = await until(() => media.service.pool.workers.length === 2 && media.service.pool.workers.map((w) => w.pid), 'a replacement worker');
  assert.ok(!pids.includes(deadPid));
  assert.ok(pids.every((pid) => pid > 0));
  await escalate(tc, id, seat);
});
