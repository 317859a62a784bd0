/**
 * One simulated 1:1 call on a mediasoup worker (a router, SRTP PlainTransports, the party's
 * video and voice and the seat's voice, each consumed by the other side) and its 20 ms sending
 * tick, for the calls-per-worker benchmark.
 */
import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import type { types } from 'mediasoup';
import { MEDIA_CODECS } from '@kuaichu/plugin-media-mediasoup';
import { SrtpSender, Stream, type Receiver } from './rtp.ts';

export interface Call {
  router: types.Router;
  transports: types.PlainTransport[];
  /** Each sender keeps its own video frame clock (a room has several video senders). */
  send: Array<{ stream: Stream; srtp: SrtpSender; port: number; kind: 'video' | 'audio'; carry: number; frame: number }>;
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

/**
 * A call on its own router. `participants` 2 is the 1:1 call (the party's video and voice, the
 * seat's voice); more is a room of that many (issue 14: six in Yancheng's rooms), where each
 * participant sends video and voice and receives every other participant's.
 */
export async function openCall(worker: types.Worker, receiver: Receiver, participants = 2): Promise<Call> {
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
    call.send.push({ stream, srtp, port: t.tuple.localPort, kind, carry: 0, frame: 0 });
    return producer;
  };
  const consume = async (producer: types.Producer) => {
    const t = await router.createPlainTransport({ ...srtpOpts, comedia: false });
    await t.connect({ ip: '127.0.0.1', port: receiver.port, srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: new SrtpSender().keyBase64 } });
    const codec = router.rtpCapabilities.codecs!.find((c) => c.kind === producer.kind && !/rtx/i.test(c.mimeType))!;
    call.transports.push(t);
    call.consumers.push(await t.consume({ producerId: producer.id, rtpCapabilities: { codecs: [codec], headerExtensions: [] } }));
  };
  if (participants > 2) {
    const sent: Array<[types.Producer, types.Producer]> = [];
    for (let i = 0; i < participants; i++) sent.push([await produce('video'), await produce('audio')]);
    for (let i = 0; i < participants; i++) {
      for (let j = 0; j < participants; j++) if (i !== j) (await consume(sent[j]![0]), await consume(sent[j]![1]));
    }
    return call;
  }
  const partyVideo = await produce('video');
  const partyAudio = await produce('audio');
  const seatAudio = await produce('audio');
  await consume(partyVideo); // the seat sees the party
  await consume(partyAudio); // and hears them
  await consume(seatAudio); // the party hears the seat
  return call;
}

/** Packets handed to the kernel (counted when the send completes, not when it is queued). */
let sentPackets = 0;
const onSent = (err: Error | null) => void (err ? undefined : sentPackets++);
export const transmitted = (): number => sentPackets;

/** One 20 ms tick of a call: two voice packets and the video due. */
export function tick(call: Call, out: dgram.Socket): void {
  for (const s of call.send) {
    if (s.kind === 'audio') {
      const p = s.stream.packet(noise(90), false);
      s.stream.ts += 960;
      out.send(s.srtp.protect(p, s.stream.roc), s.port, '127.0.0.1', onSent);
      continue;
    }
    s.carry += (20 / 1000) * VIDEO_FPS;
    while (s.carry >= 1) {
      s.carry -= 1;
      const key = s.frame++ % (VIDEO_FPS * 2) === 0;
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
export async function producerTotals(calls: readonly Call[]): Promise<{ lost: number; count: number; forwarded: number }> {
  let lost = 0;
  let count = 0;
  let forwarded = 0;
  for (const c of calls) {
    for (const p of c.producers) for (const s of await p.getStats()) (lost += Math.max(0, s.packetsLost), count += s.packetCount);
    for (const x of c.consumers) for (const s of await x.getStats()) if (s.type === 'outbound-rtp') forwarded += s.packetCount;
  }
  return { lost, count, forwarded };
}
