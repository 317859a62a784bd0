// Issue 15: the media workers' load as the core's /metrics and /readyz see it (MediaPort.stats):
// a real worker, a real call (a party sending its microphone, a seat receiving it), no browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { createMedia, type Media } from '../src/index.ts';
import { TestSignaling, eventually } from './support/signalingClient.ts';

const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

describe('media workers in /metrics and /readyz', () => {
  let t: TestCore;
  let media: Media;
  const sockets: TestSignaling[] = [];
  before(async () => {
    media = createMedia({ workers: 1, recording: { enabled: false }, transport: { listenIp: '127.0.0.1' }, logger: { debug() {}, info() {}, warn() {}, error: (m) => console.error(m) } });
    t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin });
  });
  after(async () => {
    for (const s of sockets) s.kill();
    await t?.close();
  });

  test('a call shows on its worker: one room, the seat consuming the party’s microphone, CPU used', async () => {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13900150101');
    await answer(t, id, seat);
    await eventually(() => media.service.room('harbin', id), 'the room opens');
    const s = await TestSignaling.connect(t.core.app, id, seat);
    const p = await TestSignaling.connect(t.core.app, id, party);
    sockets.push(s, p);
    s.takeConsumers = true;
    await s.request('createWebRtcTransport', { direction: 'recv' });
    await s.join();
    const send = await p.request('createWebRtcTransport', { direction: 'send' });
    await p.join();
    await p.request('produce', { transportId: send.transportId, kind: 'audio', source: 'microphone', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1111 }] } });

    const text = await eventually(async () => {
      const body = (await t.call('GET', '/metrics')).body;
      return value(body, 'kuaichu_media_worker_consumers{worker="0"}') >= 1 && body;
    }, 'the seat consumes the microphone');
    assert.equal(value(text, 'kuaichu_media_workers{state="live"}'), 1);
    assert.equal(value(text, 'kuaichu_media_workers{state="configured"}'), 1);
    assert.equal(value(text, 'kuaichu_media_worker_rooms{worker="0"}'), 1);
    assert.ok(value(text, 'kuaichu_media_worker_cpu_seconds{worker="0"}') > 0);
    assert.equal(value(text, 'kuaichu_ready{component="media"}'), 1);
    const ready = await t.call('GET', '/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().media, true);

    await escalate(t, id, seat);
    await eventually(async () => value((await t.call('GET', '/metrics')).body, 'kuaichu_media_worker_rooms{worker="0"}') === 0, 'the room closes');
  });
});
