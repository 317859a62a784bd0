import { spawn } from 'node:child_process';
import { createWorkerPool } from '../src/worker.ts';
import { MEDIA_CODECS } from '../src/config.ts';
import { Recorder } from '../src/recording/Recorder.ts';
const pool = await createWorkerPool(1, { logger: { info() {}, error: console.error } });
const router = await pool.next().createRouter({ mediaCodecs: MEDIA_CODECS });
async function source(kind: 'video' | 'audio', ssrc: number, pt: number) {
  const tr = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const codec = kind === 'video' ? { mimeType: 'video/VP8', payloadType: pt, clockRate: 90000 } : { mimeType: 'audio/opus', payloadType: pt, clockRate: 48000, channels: 2 };
  const producer = await tr.produce({ kind, rtpParameters: { codecs: [codec], encodings: [{ ssrc }] } });
  const args = kind === 'video'
    ? ['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '300k', '-g', '30', '-ssrc', String(ssrc), '-payload_type', String(pt)]
    : ['-re', '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000', '-c:a', 'libopus', '-ac', '2', '-ssrc', String(ssrc), '-payload_type', String(pt)];
  const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args, '-f', 'rtp', `rtp://127.0.0.1:${tr.tuple.localPort}?rtcpport=${tr.rtcpTuple?.localPort ?? tr.tuple.localPort}`], { stdio: 'inherit' });
  return { producer, ff, tr };
}
const v = await source('video', 1111, 101);
const a = await source('audio', 2222, 100);
const s = await source('audio', 3333, 100);
await new Promise((r) => setTimeout(r, 1000));
const rec = await Recorder.start({ router, sources: { video: v.producer, partyAudio: a.producer, seatAudio: s.producer }, settings: { enabled: true, ffmpeg: '/usr/bin/ffmpeg', dir: '/tmp/rec-exp', seatAudioGraceMs: 0 }, logger: { debug() {}, info: console.log, warn: console.log, error: console.log }, part: 1 });
await new Promise((r) => setTimeout(r, 3000));
if (process.env.SWITCH) {
  v.ff.kill();
  const tr = (v as any).tr;
  const ff2 = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '200k', '-g', '30', '-ssrc', '1111', '-payload_type', '101', '-f', 'rtp', `rtp://127.0.0.1:${tr.tuple.localPort}?rtcpport=${tr.rtcpTuple?.localPort}`], { stdio: 'inherit' });
  (v as any).ff = ff2;
}
await new Promise((r) => setTimeout(r, 5000));
if (process.env.CLOSE_FIRST) { v.producer.close(); a.producer.close(); s.producer.close(); }
const res = await rec.stop();
console.log(res);
for (const x of [v, a, s]) x.ff.kill();
pool.close();
