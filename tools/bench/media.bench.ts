/**
 * `npm run bench:media`: the media plugin's two figures. Prints them; asserts nothing.
 *
 * 1. Join time: headless Chromium (fake camera) through the real server, as in the end-to-end
 *    test: a case is answered, the seat's page is in the room, and the party taps "video" — the
 *    time from that tap (before getUserMedia) to the first decoded frame in the seat's <video>.
 *    Several calls, one after the other; recording on, as in production.
 * 2. Calls per worker: one mediasoup worker (one core), one router per call as in real rooms, and
 *    a Node RTP sender/receiver standing in for the browsers. Each 1:1 call is the party's video
 *    (VP8 packetisation, ~500 kbit/s, 15 fps, a key frame every 2 s) and voice (Opus-sized, 50
 *    packets/s), and the seat's voice, over SRTP (AES_CM_128_HMAC_SHA1_80: the worker decrypts
 *    and re-encrypts every packet, as for WebRTC), each stream forwarded to the other side. The
 *    number of calls rises until the loss measured at the receivers reaches 1 % or the worker's
 *    core is saturated. The load generator runs on the other core of this machine.
 *
 * BENCH_JOIN_CALLS (default 5; 0 skips), BENCH_LEVELS (default 10,25,50,75,100,125,150,200),
 * BENCH_SECONDS per level (default 5), BENCH_DEBUG=1 adds the worker's own packet counters.
 */
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';
import { MEDIA_CODECS, createMedia, createWorkerPool, type WorkerPool } from '@kuaichu/plugin-media-mediasoup';
import type { AppPlugin } from '@kuaichu/core/http/app';
import { startTestCore } from '@kuaichu/testkit/core';
import { answer, escalate, reported, seatReady } from '@kuaichu/testkit/cases';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const JOIN_CALLS = Number(process.env.BENCH_JOIN_CALLS ?? 5);
const LEVELS = (process.env.BENCH_LEVELS ?? '10,25,50,75,100,125,150,200').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };

// ————————————————————————————————————————— 1. join time —————————————————————————————————————————

async function joinTime(): Promise<void> {
  if (!existsSync(CHROMIUM) || JOIN_CALLS < 1) {
    console.log(`join time: skipped (${JOIN_CALLS < 1 ? 'BENCH_JOIN_CALLS=0' : `${CHROMIUM} not found`})`);
    return;
  }
  const { build } = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const bundle = await build({ entryPoints: [path.join(here, '../../plugins/media-mediasoup/test/browser/callPage.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome110', logLevel: 'silent' });
  const js = bundle.outputFiles[0]!.text;
  const pages: AppPlugin = async (app) => {
    app.get('/media-test/', async (_q, r) => r.type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><body><script src="/media-test/page.js"></script></body>'));
    app.get('/media-test/page.js', async (_q, r) => r.type('text/javascript').send(js));
    app.get('/favicon.ico', async (_q, r) => r.status(204).send());
  };
  const media = createMedia({ workers: 1, transport: { listenIp: '127.0.0.1' }, logger: quiet });
  const t = await startTestCore({ kind: 'pglite' }, undefined, { plugins: [media.plugin, pages] });
  await t.core.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.core.app.server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--allow-loopback-in-peer-connection'],
  });
  type W = { call: { join(id: string, o: object): Promise<{ startedAt: number; ms: number }>; firstFrame(role: string): Promise<{ at: number }> } };
  // The callbacks run in the page (globalThis is its window; this file is checked without the DOM library).
  const joins: number[] = [];
  const tapToFrame: number[] = [];
  try {
    const seat = await seatReady(t);
    for (let i = 0; i < JOIN_CALLS; i++) {
      const { id, party } = await reported(t, `1360000${String(i).padStart(4, '0')}`);
      await answer(t, id, seat);
      const open = async (token: string) => {
        const ctx = await browser.newContext();
        await ctx.addCookies([{ name: 'kc_session', value: token, url: base }]);
        const p = await ctx.newPage();
        await p.goto(`${base}/media-test/`);
        return p;
      };
      const [seatPage, partyPage] = [await open(seat), await open(party)];
      await seatPage.evaluate((id) => (globalThis as unknown as W).call.join(id, { microphone: true }), id);
      const tap = await partyPage.evaluate((id) => (globalThis as unknown as W).call.join(id, { camera: true, microphone: true }), id);
      const frame = await seatPage.evaluate(() => (globalThis as unknown as W).call.firstFrame('party_a'));
      joins.push(tap.ms);
      tapToFrame.push(frame.at - tap.startedAt);
      await escalate(t, id, seat);
      await seatPage.context().close();
      await partyPage.context().close();
    }
  } finally {
    await browser.close();
    await media.service.settled();
    await t.close();
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]} ms, max ${s[s.length - 1]} ms`;
  };
  console.log(`join time over ${JOIN_CALLS} calls (loopback, headless Chromium, fake camera 640x480):`);
  console.log(`  party tap → first frame at the seat: ${stats(tapToFrame)}  [${tapToFrame.join(', ')}]`);
  console.log(`  party tap → joined and sending:      ${stats(joins)}`);
}

// ——————————————————————————————————————— 2. calls per worker ———————————————————————————————————————

/** SRTP sender, AES_CM_128_HMAC_SHA1_80 (RFC 3711), key derivation rate 0. */
class SrtpSender {
  readonly keyBase64: string;
  readonly #encKey: Buffer;
  readonly #authKey: Buffer;
  readonly #salt: Buffer;

  constructor() {
    const master = randomBytes(16);
    const masterSalt = randomBytes(14);
    this.keyBase64 = Buffer.concat([master, masterSalt]).toString('base64');
    const derive = (label: number, n: number) => {
      const iv = Buffer.alloc(16);
      masterSalt.copy(iv, 0);
      iv[7]! ^= label;
      const c = createCipheriv('aes-128-ctr', master, iv);
      return c.update(Buffer.alloc(n));
    };
    this.#encKey = derive(0, 16);
    this.#authKey = derive(1, 20);
    this.#salt = derive(2, 14);
  }

  /** Encrypts an RTP packet (12-byte header, no CSRC or extension) in place of a copy; ROC 0. */
  protect(packet: Buffer, roc: number): Buffer {
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const iv = Buffer.alloc(16);
    this.#salt.copy(iv, 0);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    const index = [roc >>> 16, roc & 0xffff, seq];
    iv.writeUInt16BE(iv.readUInt16BE(8) ^ index[0]!, 8);
    iv.writeUInt16BE(iv.readUInt16BE(10) ^ index[1]!, 10);
    iv.writeUInt16BE(iv.readUInt16BE(12) ^ index[2]!, 12);
    const c = createCipheriv('aes-128-ctr', this.#encKey, iv);
    const payload = c.update(packet.subarray(12));
    const out = Buffer.concat([packet.subarray(0, 12), payload, Buffer.alloc(10)]);
    const rocBuf = Buffer.alloc(4);
    rocBuf.writeUInt32BE(roc >>> 0);
    createHmac('sha1', this.#authKey).update(out.subarray(0, out.length - 10)).update(rocBuf).digest().copy(out, out.length - 10, 0, 10);
    return out;
  }
}

/** One RTP stream we send: header fields and the rollover counter. */
class Stream {
  seq = Math.floor(Math.random() * 30000);
  roc = 0;
  ts = Math.floor(Math.random() * 1e9);
  sent = 0;
  constructor(readonly ssrc: number, readonly pt: number) {}

  packet(payload: Buffer, marker: boolean): Buffer {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | this.pt;
    h.writeUInt16BE(this.seq, 2);
    h.writeUInt32BE(this.ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    this.seq = (this.seq + 1) & 0xffff;
    if (this.seq === 0) this.roc++;
    this.sent++;
    return Buffer.concat([h, payload]);
  }
}

/** Counts what arrives per SSRC: packets, and the highest extended sequence number seen. */
class Receiver {
  readonly socket = dgram.createSocket('udp4');
  readonly streams = new Map<number, { first: number; highest: number; received: number; cycles: number; last: number; seen: Uint8Array }>();
  duplicates = 0;
  padding = 0;
  port = 0;

  async open(): Promise<void> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
    try {
      this.socket.setRecvBufferSize(8 * 1024 * 1024);
    } catch {
      // capped by net.core.rmem_max
    }
    this.port = this.socket.address().port;
    this.socket.on('message', (m) => {
      const pt = m[1]! & 0x7f;
      if (m.length < 12 || (m[1]! >= 200 && m[1]! <= 206) || pt >= 72 && pt <= 76) return; // RTCP
      if (m[0]! & 0x20) return void this.padding++; // padding (bandwidth probing), not media
      const ssrc = m.readUInt32BE(8);
      const seq = m.readUInt16BE(2);
      const s = this.streams.get(ssrc);
      if (!s) {
        const seen = new Uint8Array(65536);
        seen[seq] = 1;
        return void this.streams.set(ssrc, { first: seq, highest: seq, received: 1, cycles: 0, last: seq, seen });
      }
      if (seq < 5000 && s.last > 60000) s.cycles += 65536; // wrapped (a jump back is not a wrap)
      else if (seq > 60000 && s.last < 5000 && s.cycles > 0) return void this.duplicates++; // late from the last cycle
      // A packet seen twice (in this cycle of sequence numbers) is not counted again.
      const mark = ((s.cycles / 65536) % 255) + 1;
      if (s.seen[seq] === mark) return void this.duplicates++;
      s.seen[seq] = mark;
      s.last = seq;
      s.highest = Math.max(s.highest, s.cycles + seq);
      s.received++;
    });
  }

  /** Snapshot for a window: expected and received since `since`. */
  snapshot(): Map<number, { expected: number; received: number }> {
    return new Map([...this.streams].map(([k, s]) => [k, { expected: s.highest - s.first + 1, received: s.received }]));
  }
}

interface Call {
  router: types.Router;
  transports: types.PlainTransport[];
  send: Array<{ stream: Stream; srtp: SrtpSender; port: number; kind: 'video' | 'audio' }>;
  consumers: types.Consumer[];
  producers: types.Producer[];
  videoCarry: number;
  frame: number;
  /** When this call's next 20 ms tick is due (calls are spread over the 20 ms). */
  next: number;
}

/** Payload bytes: slices of one random buffer (randomBytes per packet would cost the sender more than SRTP). */
const NOISE = randomBytes(1 << 20);
let noiseAt = 0;
function noise(n: number): Buffer {
  if (noiseAt + n > NOISE.length) noiseAt = 0;
  const b = NOISE.subarray(noiseAt, noiseAt + n);
  noiseAt += n + 7;
  return b;
}

const VIDEO_PT = 101;
const AUDIO_PT = 100;
const VIDEO_FPS = 15;
const VIDEO_BITRATE = 500_000;
const PACKET = 1100;

async function openCall(worker: types.Worker, receiver: Receiver): Promise<Call> {
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  const call: Call = { router, transports: [], send: [], consumers: [], producers: [], videoCarry: 0, frame: 0, next: performance.now() + Math.random() * 20 };
  const srtpOpts = { listenInfo: { protocol: 'udp' as const, ip: '127.0.0.1' }, rtcpMux: true, enableSrtp: true, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const };
  const produce = async (kind: 'video' | 'audio') => {
    const t = await router.createPlainTransport({ ...srtpOpts, comedia: true });
    const srtp = new SrtpSender();
    await t.connect({ srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: srtp.keyBase64 } });
    const stream = new Stream(randomBytes(4).readUInt32BE(0) >>> 1, kind === 'video' ? VIDEO_PT : AUDIO_PT);
    const codec = kind === 'video' ? { mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90000 } : { mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48000, channels: 2 };
    const producer = await t.produce({ kind, rtpParameters: { codecs: [codec], encodings: [{ ssrc: stream.ssrc }] } });
    call.transports.push(t);
    call.producers.push(producer);
    call.send.push({ stream, srtp, port: t.tuple.localPort, kind });
    return producer;
  };
  const consume = async (producer: types.Producer) => {
    const t = await router.createPlainTransport({ ...srtpOpts, comedia: false });
    await t.connect({ ip: '127.0.0.1', port: receiver.port, srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: new SrtpSender().keyBase64 } });
    const codec = router.rtpCapabilities.codecs!.find((c) => c.kind === producer.kind && !/rtx/i.test(c.mimeType))!;
    call.transports.push(t);
    call.consumers.push(await t.consume({ producerId: producer.id, rtpCapabilities: { codecs: [codec], headerExtensions: [] } }));
  };
  const partyVideo = await produce('video');
  const partyAudio = await produce('audio');
  const seatAudio = await produce('audio');
  await consume(partyVideo); // the seat sees the party
  await consume(partyAudio); // and hears them
  await consume(seatAudio); // the party hears the seat
  return call;
}

/** Packets handed to the kernel (counted when the send completes, not when it is queued). */
let transmitted = 0;
const onSent = (err: Error | null) => void (err ? undefined : transmitted++);

/** One 20 ms tick of a call: two voice packets and the video due. */
function tick(call: Call, out: dgram.Socket): void {
  for (const s of call.send) {
    if (s.kind === 'audio') {
      const p = s.stream.packet(noise(90), false);
      s.stream.ts += 960;
      out.send(s.srtp.protect(p, s.stream.roc), s.port, '127.0.0.1', onSent);
      continue;
    }
    call.videoCarry += (20 / 1000) * VIDEO_FPS;
    while (call.videoCarry >= 1) {
      call.videoCarry -= 1;
      const key = call.frame++ % (VIDEO_FPS * 2) === 0;
      const bytes = Math.round(VIDEO_BITRATE / 8 / VIDEO_FPS) * (key ? 3 : 1);
      const n = Math.ceil(bytes / PACKET);
      for (let i = 0; i < n; i++) {
        // VP8 payload descriptor (S bit on the first packet), then the frame tag: P = 0 on key frames.
        const body = noise(Math.min(PACKET, bytes - i * PACKET));
        const vp8 = Buffer.concat([Buffer.from([i === 0 ? 0x10 : 0x00]), body]);
        if (i === 0) {
          vp8[1] = key ? 0x10 : 0x11;
          if (key) Buffer.from([0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]).copy(vp8, 2); // start code, 640x480
        }
        out.send(s.srtp.protect(s.stream.packet(vp8, i === n - 1), s.stream.roc), s.port, '127.0.0.1', onSent);
      }
      s.stream.ts += 90000 / VIDEO_FPS;
    }
  }
}

/** Packets the worker received from the sender, and those it found missing, over every producer. */
async function producerTotals(calls: readonly Call[]): Promise<{ lost: number; count: number; forwarded: number }> {
  let lost = 0;
  let count = 0;
  let forwarded = 0;
  for (const c of calls) {
    for (const p of c.producers) for (const s of await p.getStats()) (lost += Math.max(0, s.packetsLost), count += s.packetCount);
    for (const x of c.consumers) for (const s of await x.getStats()) if (s.type === 'outbound-rtp') forwarded += s.packetCount;
  }
  return { lost, count, forwarded };
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}

async function callsPerWorker(): Promise<void> {
  const pool: WorkerPool = await createWorkerPool(1, { logger: { info() {}, error: (m) => console.error(m) } });
  const worker = pool.next();
  const receiver = new Receiver();
  await receiver.open();
  const out = dgram.createSocket('udp4');
  try {
    out.setSendBufferSize(8 * 1024 * 1024);
  } catch {
    // capped by net.core.wmem_max
  }
  await new Promise<void>((r) => out.bind(0, '127.0.0.1', r));
  const calls: Call[] = [];
  let running = true;
  let late = 0;
  // Each call keeps its own 20 ms clock, its phase spread at random, so packets leave evenly as
  // browsers' would rather than in one burst per tick. A call more than 100 ms behind is reset.
  const pump = () => {
    if (!running) return;
    const now = performance.now();
    for (const c of calls) {
      if (now - c.next > 100) {
        late++;
        c.next = now;
      }
      while (c.next <= now) {
        tick(c, out);
        c.next += 20;
      }
    }
    setTimeout(pump, 2);
  };
  pump();

  const hz = 100; // USER_HZ
  console.log(`\ncalls per worker: one mediasoup worker (pid ${worker.pid}), SRTP PlainTransports, ${SECONDS} s per level`);
  console.log('  calls  worker CPU  packets in/s  out/s   loss at receivers  worst call  lost on the way in  load generator CPU, late');
  let best = 0;
  let bestCpu = 0;
  for (const level of LEVELS) {
    while (calls.length < level) calls.push(await openCall(worker, receiver));
    // Settle: key frames, consumers synced, and what queued up while the calls were being set up
    // forwarded (what goes out matches what comes in), for at most 15 s.
    await sleep(2000);
    const totalReceived = () => [...receiver.streams.values()].reduce((n, x) => n + x.received, 0);
    for (let i = 0; i < 15; i++) {
      const [t0, r0] = [transmitted, totalReceived()];
      await sleep(1000);
      const [t1, r1] = [transmitted, totalReceived()];
      if (Math.abs((r1 - r0) - (t1 - t0)) <= 0.02 * (t1 - t0)) break;
    }
    const ssrcs = new Set(calls.flatMap((c) => c.consumers.map((x) => x.rtpParameters.encodings![0]!.ssrc!)));
    // Every counter of the window is read at the same instant at each end (asking the worker for
    // stats takes a while under load, so its totals are read outside the window).
    const prod0 = await producerTotals(calls);
    const a = receiver.snapshot();
    const cpu0 = cpuTicks(worker.pid);
    const node0 = process.cpuUsage();
    const sent0 = transmitted;
    const late0 = late;
    const dup0 = receiver.duplicates;
    const pad0 = receiver.padding;
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const b = receiver.snapshot();
    const sent = transmitted - sent0;
    const secs = (performance.now() - t0) / 1000;
    const cpu = (cpuTicks(worker.pid) - cpu0) / hz / secs;
    const nodeUse = process.cpuUsage(node0);
    const nodeCpu = (nodeUse.user + nodeUse.system) / 1e6 / secs;
    const queued = out.getSendQueueCount();
    let expected = 0;
    let received = 0;
    let worst = 0;
    for (const c of calls) {
      let ce = 0;
      let cr = 0;
      for (const x of c.consumers) {
        const ssrc = x.rtpParameters.encodings![0]!.ssrc!;
        const s0 = a.get(ssrc) ?? { expected: 0, received: 0 };
        const s1 = b.get(ssrc) ?? { expected: 0, received: 0 };
        ce += s1.expected - s0.expected;
        cr += s1.received - s0.received;
      }
      expected += ce;
      received += cr;
      worst = Math.max(worst, ce > 0 ? 1 - cr / ce : 1);
    }
    const prod1 = await producerTotals(calls);
    const prodLost = prod1.lost - prod0.lost;
    const prodCount = prod1.count - prod0.count;
    const loss = expected > 0 ? Math.max(0, 1 - received / expected) : 1;
    const missing = [...ssrcs].filter((s) => !b.has(s)).length;
    console.log(`  ${String(level).padStart(5)}  ${(cpu * 100).toFixed(0).padStart(8)} %  ${String(Math.round(sent / secs)).padStart(12)}  ${String(Math.round(received / secs)).padStart(5)}  ${(loss * 100).toFixed(2).padStart(15)} %  ${(worst * 100).toFixed(2).padStart(8)} %  ${(prodCount ? (prodLost / (prodLost + prodCount)) * 100 : 0).toFixed(2).padStart(16)} %  ${(nodeCpu * 100).toFixed(0).padStart(8)} %, ${late - late0}${missing ? `  (${missing} streams never arrived)` : ''}${queued > 0 ? `  (${queued} packets still queued in the sender: it fell behind)` : ''}${receiver.duplicates > dup0 ? `  (${receiver.duplicates - dup0} duplicates)` : ''}${receiver.padding > pad0 ? `  (${receiver.padding - pad0} padding packets)` : ''}${process.env.BENCH_DEBUG ? `  worker: in ${prodCount} out ${prod1.forwarded - prod0.forwarded}` : ''}`);
    const inLoss = prodCount ? prodLost / (prodLost + prodCount) : 0;
    // Beyond capacity the figures stop meaning anything (queues drain into the window, the
    // generator falls behind): the first sign of it ends the ramp.
    const overloaded = cpu > 0.95 || inLoss >= 0.01 || received > sent * 1.1 || late > late0 || queued > 0;
    if (loss < 0.01 && !missing && !overloaded) {
      best = level;
      bestCpu = cpu;
    }
    if (loss >= 0.01 || overloaded) {
      const why = [cpu > 0.95 && 'the worker\'s core is saturated', inLoss >= 0.01 && 'packets are lost on the way into the worker',
        received > sent * 1.1 && 'queues from before the window drain into it', (late > late0 || queued > 0) && 'the load generator fell behind'].filter(Boolean);
      console.log(`  stopped: ${why.join('; ') || 'loss ≥ 1 %'} (both share this machine's ${os.availableParallelism()} cores)`);
      break;
    }
  }
  running = false;
  console.log(`\n  → one worker sustained ${best} concurrent 1:1 calls with < 1 % loss${best === LEVELS[LEVELS.length - 1] ? ' (the highest level tried; raise BENCH_LEVELS)' : ''}; at that level it used ${(bestCpu * 100).toFixed(0)} % of its core (≈ ${bestCpu > 0 ? Math.floor(best / bestCpu) : '?'} calls per fully used core by linear extrapolation)`);
  for (const c of calls) c.router.close();
  receiver.socket.close();
  out.close();
  pool.close();
}

await joinTime();
await callsPerWorker();
