// Issue 14, Yancheng's five-party room, "the recording holds all of them": a real mediasoup router
// with senders made by ffmpeg (VP8 camera + Opus voice each, RTP into PlainTransport producers,
// without a browser) is recorded by the room's recording (RoomRecording → Recorder → ffmpeg). Three
// senders give a part with three cameras and three voices plus the mix; a fourth joining makes a
// new part with four, its leaving one with three again; each track says whose it is, in the file
// (ffprobe) and in the result, and every camera track decodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { types } from 'mediasoup';
import { until } from '@kuaichu/testkit/until';
import { MEDIA_CODECS } from '../src/config.ts';
import { createWorkerPool } from '../src/worker.ts';
import type { ProducerAppData } from '../src/Peer.ts';
import type { RecordingResult } from '../src/recording/Recorder.ts';
import { RoomRecording, type RecordingParticipant } from '../src/recording/RoomRecording.ts';
import type { MediaRole } from '../src/roles.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const quiet = { debug() {}, info() {}, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };

interface Sender extends RecordingParticipant {
  ffmpeg: ChildProcess;
}

/** A participant whose camera (a test pattern) and voice (a tone) ffmpeg sends as RTP into two producers. */
async function sender(router: types.Router, peerId: string, role: MediaRole, n: number): Promise<Sender> {
  const producers: types.Producer<ProducerAppData>[] = [];
  const outputs: string[] = [];
  for (const [kind, source] of [['video', 'camera'], ['audio', 'microphone']] as const) {
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
    const ssrc = 1000 + n * 10 + (kind === 'video' ? 1 : 2);
    const codec = kind === 'video' ? { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 } : { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 };
    producers.push(await transport.produce<ProducerAppData>({ kind, rtpParameters: { codecs: [codec], encodings: [{ ssrc }] }, appData: { peerId, role, source } }));
    // RTP and RTCP from their own sockets to their own ports (one port for both would take the first one's source as the peer's).
    const port = transport.tuple.localPort;
    outputs.push(
      '-map', kind === 'video' ? '0:v' : '1:a',
      ...(kind === 'video' ? ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '150k', '-g', '15'] : ['-c:a', 'libopus', '-b:a', '24k']),
      '-payload_type', String(codec.payloadType), '-ssrc', String(ssrc), '-f', 'rtp', `rtp://127.0.0.1:${port}?rtcpport=${transport.rtcpTuple!.localPort}`,
    );
  }
  const ffmpeg = spawn(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=15`, '-f', 'lavfi', '-i', `sine=frequency=${300 + 100 * n}`,
    ...outputs,
  ], { stdio: 'ignore' });
  return { peerId, role, producers, ffmpeg };
}

interface Probed {
  index: number;
  codec_type: string;
  codec_name: string;
  disposition: { default: number };
  tags: Record<string, string>;
}

function probe(file: string): Probed[] {
  const r = spawnSync('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'stream=index,codec_type,codec_name:stream_disposition=default:stream_tags', '-of', 'json', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { streams: Probed[] }).streams;
}

/** Each stream of the file as `kind label ROLE PEER default`. */
function described(file: string): string[] {
  return probe(file).map((s) => {
    const tag = (k: string) => Object.entries(s.tags).find(([name]) => name.toLowerCase() === k)?.[1] ?? '-';
    return `${s.codec_type} ${tag('title')} ${tag('role')} ${tag('peer')} ${s.disposition.default ? 'default' : ''}`.trim();
  });
}

test('every sender in the room is in the recording: one camera and one voice track each, the mix, labelled; a join or a leave makes a new part', { skip: !existsSync(FFMPEG) && 'ffmpeg is not installed', timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-recall-'));
  const pool = await createWorkerPool(1, { settings: { logLevel: 'error' }, logger: quiet });
  const router = await pool.workers[0]!.createRouter({ mediaCodecs: MEDIA_CODECS });
  const senders: Sender[] = [];
  const results: RecordingResult[] = [];
  t.after(async () => {
    for (const s of senders) s.ffmpeg.kill('SIGKILL');
    for (const r of results) await r.dispose();
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const inRoom: Sender[] = [];
  const recording = new RoomRecording({
    router, logger: quiet, owner: { tenant: 'yancheng', caseId: '11111111-2222-4333-8444-555555555555' },
    settings: { enabled: true, ffmpeg: FFMPEG, dir, senderGraceMs: 1500 },
    participants: () => inRoom,
  });
  const parts: Array<Promise<RecordingResult | null>> = [];
  recording.on('part', ({ done }) => parts.push(done));
  const sending = async (peerId: string, role: MediaRole) => {
    const s = await sender(router, peerId, role, senders.length);
    senders.push(s);
    // Already sending when it joins (a loaded machine's slow ffmpeg start is not a late camera).
    await until(() => s.producers.every((p) => p.score.some((x) => x.score > 0)), `${role} sending`);
    return s;
  };
  /** Participants join (the room says so, as it does on a join or a new producer). */
  const join = (...who: Sender[]) => {
    inRoom.push(...who);
    recording.changed();
  };
  const all = () => inRoom.flatMap((s) => s.producers.map((p) => p.id)).sort();
  /** The running part holds every producer in the room, and its cameras have written for a while. */
  const recordingEveryone = async (what: string) => {
    await until(() => recording.recording.length === all().length && [...recording.recording].sort().join() === all().join(), `a part holding ${what}`);
    const started = inRoom.map((s) => s.producers[0]!);
    const before = await Promise.all(started.map(async (p) => (await p.getStats())[0]?.byteCount ?? 0));
    // Some seconds of media in the part: counted in what the cameras sent, not slept.
    await until(async () => (await Promise.all(started.map(async (p, i) => ((await p.getStats())[0]?.byteCount ?? 0) - before[i]! > 40_000))).every(Boolean), `media for ${what}`);
  };

  join(await sending('pa', 'party_a'), await sending('ps', 'seat'), await sending('pi', 'insurer'));
  await recordingEveryone('party A, the seat and the insurer');
  assert.equal(recording.parts, 1, 'three senders joining together make one part');

  join(await sending('pb', 'party_b'));
  await recordingEveryone('the four');
  assert.equal(recording.parts, 2, 'a join makes a new part');
  assert.equal(parts.length, 1, 'the first part ended once the second took over');

  // Party B leaves: its producers close (the room tells the recording), the next part is without it.
  const b = inRoom.pop()!;
  b.ffmpeg.kill('SIGKILL');
  for (const p of b.producers) {
    p.close();
    recording.producerClosed(p);
  }
  await recordingEveryone('the three left');
  assert.equal(recording.parts, 3, 'a leave makes a new part');

  await recording.close();
  const [first, second, third] = (await Promise.all(parts)).map((r) => {
    assert.ok(r, 'the part was recorded');
    results.push(r);
    return r;
  });

  assert.deepEqual(described(first!.file), [
    'video party_a party_a pa default', 'video seat seat ps', 'video insurer insurer pi',
    'audio mix - - default', 'audio party_a party_a pa', 'audio seat seat ps', 'audio insurer insurer pi',
  ]);
  assert.deepEqual(described(second!.file), [
    'video party_a party_a pa default', 'video seat seat ps', 'video insurer insurer pi', 'video party_b party_b pb',
    'audio mix - - default', 'audio party_a party_a pa', 'audio seat seat ps', 'audio insurer insurer pi', 'audio party_b party_b pb',
  ]);
  assert.deepEqual(described(third!.file), described(first!.file));
  // The result says the same as the file, for the evidence.
  for (const r of [first!, second!, third!]) {
    const streams = probe(r.file);
    assert.deepEqual(r.tracks.map((x) => [x.index, x.kind, x.label, x.role, x.peerId, x.default]), streams.map((s) => {
      const label = s.tags.title ?? s.tags.TITLE!;
      const role = s.tags.ROLE ?? null;
      return [s.index, s.codec_type, label, role, s.tags.PEER ?? null, s.disposition.default === 1];
    }));
    assert.deepEqual([...new Set(streams.map((s) => `${s.codec_type}/${s.codec_name}`))].sort(), ['audio/opus', 'video/vp8']);
    assert.ok((r.mediaSeconds ?? 0) > 1, `part ${r.part}: media ${r.mediaSeconds} s`);
    t.diagnostic(`part ${r.part}: ${streams.filter((s) => s.codec_type === 'video').length} cameras, ${streams.filter((s) => s.codec_type === 'audio').length} audio tracks, media ${r.mediaSeconds} s, wall clock ${r.durationSeconds} s`);
  }
  // Every track decodes (-xerror: stop at the first error; each camera starts with a key frame).
  // The null muxer's own complaints about frame timing are not decoding errors.
  for (const r of [first!, second!, third!]) {
    const d = spawnSync(FFMPEG, ['-v', 'error', '-xerror', '-i', r.file, '-map', '0', '-fps_mode', 'passthrough', '-f', 'null', '-'], { encoding: 'utf8' });
    assert.equal(d.status, 0, d.stderr);
    assert.equal(d.stderr.split('\n').filter((l) => l.trim() && !/to muxer|Last message repeated/.test(l)).join('\n'), '', `part ${r.part} decodes without errors`);
  }
});
