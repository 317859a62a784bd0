// One part of a call's recording (全程录像): every participant's camera and microphone leave the
// router through PlainTransports into one ffmpeg, which writes them into Matroska as they come (no
// transcoding: cheap, and a crash leaves a readable file). Each track is labelled in the file with
// whose it is (title = the sender's role, tags ROLE and PEER), so the labels survive a crash too.
// ffmpeg cannot take new inputs while it runs: when the set of senders changes, the room starts a
// new part (RoomRecording.ts). When a part ends, ffmpeg is told to quit, and one offline pass makes
// the WebM that is stored: every camera as recorded, a mix of all voices as the default audio
// track (what a player plays), and every voice as recorded.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { MediaRecordingTrack, MediaRole } from '@kuaichu/core/ports';
import type { RecordingSettings } from '../config.ts';
import type { MediaLogger } from '../log.ts';
import { boundUdpPorts, freePortPair } from './ports.ts';
import { recordingSdp } from './sdp.ts';

/** A stream to record and whose it is. */
export interface RecordingSource {
  producer: types.Producer;
  /** The track's title: the sender's role (role-2, role-3 … when a role is there twice). */
  label: string;
  role: MediaRole;
  peerId: string;
}

export type RecordingTrack = MediaRecordingTrack;

export interface RecordingResult {
  part: number;
  /** The WebM to store. */
  file: string;
  startedAt: Date;
  endedAt: Date;
  /** Wall-clock length of the part. */
  durationSeconds: number;
  /** Length of the media as ffprobe reads it (null if it could not). */
  mediaSeconds: number | null;
  /** The file's tracks in order: the cameras, the mix of the voices (when more than one), the voices. */
  tracks: RecordingTrack[];
  /** Removes the scratch folder (after the file was stored). */
  dispose(): Promise<void>;
}

interface Leg {
  source: RecordingSource;
  port: number;
  transport: types.PlainTransport;
  consumer: types.Consumer;
}

const QUIT_TIMEOUT_MS = 5000;

export class Recorder {
  readonly #part: number;
  readonly #dir: string;
  readonly #legs: Leg[];
  readonly #ffmpeg: ChildProcess;
  readonly #ffmpegPath: string;
  readonly #logger: MediaLogger;
  #startedAt = new Date();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #exited: Promise<number | null>;
  #stderr = '';
  #stopping: Promise<RecordingResult | null> | null = null;
  #captureEnded: Promise<void> | null = null;

  static async start({ router, sources, settings, logger, part, owner }: {
    router: types.Router;
    /** Every stream to record: the cameras become the video tracks and the microphones the voices, in this order. */
    sources: readonly RecordingSource[];
    settings: RecordingSettings;
    logger: MediaLogger;
    part: number;
    /** The case the part belongs to, written next to it (owner.json) so another process can finish it if this one dies. */
    owner?: { tenant: string; caseId: string };
  }): Promise<Recorder> {
    await mkdir(settings.dir, { recursive: true });
    const dir = await mkdtemp(path.join(settings.dir, 'part-'));
    const legs: Leg[] = [];
    const transports: types.PlainTransport[] = [];
    let ffmpeg: ChildProcess | undefined;
    try {
      // Cameras first, then voices: the order of the tracks in the file.
      const ordered = [...sources.filter((s) => s.producer.kind === 'video'), ...sources.filter((s) => s.producer.kind === 'audio')];
      for (const source of ordered) {
        const { producer } = source;
        if (producer.closed) continue;
        const port = await freePortPair();
        // RTP to port, RTCP (sender reports, for lip sync) to port + 1, as ffmpeg expects.
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
        transports.push(transport);
        await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
        // The media codec only: no RTX, no header extensions (ffmpeg would not know them).
        const codec = router.rtpCapabilities.codecs!.find((c) => c.kind === producer.kind && !/\/rtx$/i.test(c.mimeType))!;
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: { codecs: [codec], headerExtensions: [] }, paused: true });
        legs.push({ source, port, transport, consumer });
      }
      if (!legs.some((l) => l.consumer.kind === 'video')) throw new Error('nobody sends video');
      const sdp = path.join(dir, 'input.sdp');
      await writeFile(sdp, recordingSdp(legs.map((l) => ({ kind: l.consumer.kind, port: l.port, codec: l.consumer.rtpParameters.codecs[0]! }))));
      const raw = path.join(dir, RAW_FILE);
      ffmpeg = spawn(settings.ffmpeg, [
        '-hide_banner', '-loglevel', process.env.KUAICHU_FFMPEG_LOGLEVEL ?? 'warning', '-nostats',
        '-protocol_whitelist', 'file,udp,rtp',
        // Start writing once every stream's codec is known (a camera's first key frame), without
        // first counting 20 frames of each camera for its frame rate: with several cameras that
        // held seconds of media in memory, lost if ffmpeg had to be killed.
        '-fpsprobesize', '0',
        '-i', sdp,
        ...legs.flatMap((_, i) => ['-map', `0:${i}`]),
        // Whose each track is, in the file's header (written first): a part finished after a crash keeps its labels.
        ...legs.flatMap((l, i) => trackMetadata(i, l.source)),
        // Written as a live stream, flushed packet by packet: if ffmpeg has to be killed, the file
        // still holds everything up to then (the stored WebM is made from it afterwards).
        '-c', 'copy', '-f', 'matroska', '-live', '1', '-flush_packets', '1', raw,
      ], { stdio: ['pipe', 'ignore', 'pipe'] });
      const recorder = new Recorder({ part, dir, legs, ffmpeg, ffmpegPath: settings.ffmpeg, logger });
      await recorder.#receiving();
      if (owner) {
        const o: PartOwner = {
          ...owner, part, pid: process.pid, pidStart: processStart(process.pid), ffmpegPid: ffmpeg.pid ?? null, startedAt: recorder.#startedAt.toISOString(),
          tracks: legs.map((l) => `${l.consumer.kind}:${l.source.label}`),
        };
        await writeFile(path.join(dir, OWNER_FILE), JSON.stringify(o));
      }
      return recorder;
    } catch (err) {
      ffmpeg?.kill('SIGKILL');
      for (const t of transports) t.close();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private constructor({ part, dir, legs, ffmpeg, ffmpegPath, logger }: {
    part: number; dir: string; legs: Leg[]; ffmpeg: ChildProcess; ffmpegPath: string; logger: MediaLogger;
  }) {
    this.#part = part;
    this.#dir = dir;
    this.#legs = legs;
    this.#ffmpeg = ffmpeg;
    this.#ffmpegPath = ffmpegPath;
    this.#logger = logger;
    ffmpeg.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    ffmpeg.stdin!.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      ffmpeg.once('exit', (code) => resolve(code));
      ffmpeg.once('error', (err) => {
        this.#logger.error(`ffmpeg could not start: ${err.message}`);
        resolve(null);
      });
    });
  }

  get part(): number {
    return this.#part;
  }

  /** The producers this part records. */
  get producerIds(): string[] {
    return this.#legs.map((l) => l.consumer.producerId);
  }

  /** Whether this part records `producerId`. */
  has(producerId: string): boolean {
    return this.#legs.some((l) => l.consumer.producerId === producerId);
  }

  /** Waits until ffmpeg listens on every port, then lets the media flow and asks for a key frame. */
  async #receiving(): Promise<void> {
    const ports = this.#legs.map((l) => l.port);
    // ffmpeg can take seconds to bind on a loaded host: giving up after 5 s threw a slow start
    // away, and each retry starts from zero.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const bound = await boundUdpPorts();
      if (!bound) {
        await sleep(500);
        break;
      }
      if (ports.every((p) => bound.has(p))) break;
      if (this.#ffmpeg.exitCode !== null) throw new Error(`ffmpeg exited at start: ${this.#stderr.trim()}`);
      if (Date.now() > deadline) throw new Error('ffmpeg did not open its ports within 15 s');
      await sleep(25);
    }
    for (const l of this.#legs) await l.consumer.resume();
    this.#startedAt = new Date();
    const videos = this.#legs.filter((l) => l.consumer.kind === 'video').map((l) => l.consumer);
    // Each camera's track must start with a key frame; ask again in case the first answer is lost.
    const keyFrames = () => void Promise.all(videos.map((v) => v.requestKeyFrame().catch(() => {})));
    keyFrames();
    for (const ms of [500, 1500]) this.#timers.push(setTimeout(keyFrames, ms));
    this.#logger.info(`recording part ${this.#part} started (${this.#legs.map((l) => `${l.source.label} ${l.consumer.kind}`).join(', ')})`);
  }

  /** Ends the part: ffmpeg finishes its file, then the stored WebM is made. Idempotent. */
  stop(): Promise<RecordingResult | null> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Resolves once ffmpeg has stopped taking media (after stop()); the stored file is made later. */
  captureEnded(): Promise<void> {
    return this.#captureEnded ?? Promise.resolve();
  }

  async #stop(): Promise<RecordingResult | null> {
    const endedAt = new Date();
    for (const t of this.#timers) clearTimeout(t);
    this.#captureEnded = this.#quit();
    await this.#captureEnded;
    if (process.env.KUAICHU_FFMPEG_LOGLEVEL) this.#logger.warn(`ffmpeg said: ${this.#stderr}`);
    for (const l of this.#legs) l.transport.close();
    return finishPart({ ffmpegPath: this.#ffmpegPath, dir: this.#dir, part: this.#part, startedAt: this.#startedAt, endedAt, logger: this.#logger, stderr: this.#stderr });
  }

  async #quit(): Promise<void> {
    if (this.#ffmpeg.exitCode !== null || this.#ffmpeg.signalCode !== null) return;
    // 'q' is ffmpeg's own "stop and finish the file", read between packets. When no packet comes
    // any more (everyone left at once), ffmpeg sits in its read and neither 'q' nor one SIGINT
    // reaches it (a second SIGINT also aborts the file's writing): it is killed, and the live,
    // packet-flushed Matroska keeps everything it received.
    this.#ffmpeg.stdin!.end('q');
    const steps: [NodeJS.Signals | null, number][] = [[null, 1000], ['SIGKILL', QUIT_TIMEOUT_MS]];
    for (const [signal, wait] of steps) {
      if (signal) this.#ffmpeg.kill(signal);
      const done = await Promise.race([this.#exited.then(() => true), sleep(wait).then(() => false)]);
      if (done) return;
      if (signal) this.#logger.warn(`ffmpeg did not stop on ${signal}`);
    }
  }
}

/** Written next to a running part: whose it is, so that a surviving process can finish it (recovery.ts). */
export const OWNER_FILE = 'owner.json';

export interface PartOwner {
  tenant: string;
  caseId: string;
  part: number;
  /** The server process recording it, and when that process started (a pid can be reused). */
  pid: number;
  pidStart: string | null;
  ffmpegPid: number | null;
  startedAt: string;
  /** What the part records, `kind:label` in the file's order (for a person reading the folder; the file's own labels are what counts). */
  tracks?: string[];
}

/** A process's start time in clock ticks since boot (/proc/<pid>/stat, field 22), or null where there is no /proc. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSyncSafe(`/proc/${pid}/stat`);
    return stat ? (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null) : null;
  } catch {
    return null;
  }
}

function readFileSyncSafe(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export async function readOwner(dir: string): Promise<PartOwner | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8')) as PartOwner;
  } catch {
    return null;
  }
}

/** The raw capture in a part's folder. */
export const RAW_FILE = 'raw.mkv';

/** Title and tags of output stream `i`: whose the track is. */
function trackMetadata(i: number, t: { label: string; role: string | null; peerId: string | null }): string[] {
  const m = [`-metadata:s:${i}`, `title=${t.label}`];
  if (t.role) m.push(`-metadata:s:${i}`, `ROLE=${t.role}`);
  if (t.peerId) m.push(`-metadata:s:${i}`, `PEER=${t.peerId}`);
  return m;
}

interface RawTrack {
  kind: 'video' | 'audio';
  label: string;
  role: MediaRole | null;
  peerId: string | null;
}

/**
 * The raw capture's tracks and whose they are, from the file's own labels. A part written before
 * the tracks were labelled (one camera, the party's voice and perhaps the seat's) gets those labels.
 */
async function rawTracks(ffmpegPath: string, raw: string): Promise<RawTrack[]> {
  const out = await run(ffprobeOf(ffmpegPath), ['-v', 'error', '-show_entries', 'stream=index,codec_type:stream_tags', '-of', 'json', raw]);
  const streams = (JSON.parse(out) as { streams?: Array<{ codec_type: string; tags?: Record<string, string> }> }).streams ?? [];
  let voices = 0;
  return streams.filter((s) => s.codec_type === 'video' || s.codec_type === 'audio').map((s) => {
    const kind = s.codec_type as 'video' | 'audio';
    const tag = (name: string) => Object.entries(s.tags ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? null;
    const title = tag('title');
    if (title) return { kind, label: title, role: tag('role') as MediaRole | null, peerId: tag('peer') };
    const legacy: MediaRole = kind === 'audio' && voices++ > 0 ? 'seat' : 'party_a';
    return { kind, label: legacy, role: legacy, peerId: null };
  });
}

/**
 * Makes the stored WebM of a part whose capture ended (raw.mkv in `dir`): the cameras as recorded,
 * the voices mixed (when there are several) and as recorded, every track labelled with whose it
 * is; null when nothing was recorded.
 */
export async function finishPart({ ffmpegPath, dir, part, startedAt, endedAt, logger, stderr = '' }: {
  ffmpegPath: string; dir: string; part: number; startedAt: Date; endedAt: Date; logger: MediaLogger; stderr?: string;
}): Promise<RecordingResult | null> {
  const raw = path.join(dir, RAW_FILE);
  const dispose = () => (process.env.KUAICHU_KEEP_RECORDINGS ? Promise.resolve() : rm(dir, { recursive: true, force: true }));
  const size = await stat(raw).then((s) => s.size, () => 0);
  const inRaw = size < 1024 ? [] : await rawTracks(ffmpegPath, raw).catch((err: Error) => (logger.warn(`recording part ${part}: ${err.message}`), []));
  if (!inRaw.length) {
    logger.warn(`recording part ${part} is empty (${size} bytes): ${stderr.trim().slice(-400)}`);
    await dispose();
    return null;
  }
  const file = path.join(dir, 'recording.webm');
  const videos = inRaw.filter((t) => t.kind === 'video');
  const voices = inRaw.filter((t) => t.kind === 'audio');
  const layout = (mixed: boolean): Omit<RecordingTrack, 'index'>[] => [
    ...videos.map((t, i) => ({ ...t, default: i === 0 })),
    ...(mixed ? [{ kind: 'audio' as const, label: 'mix', role: null, peerId: null, default: true }] : []),
    ...voices.map((t, i) => ({ ...t, default: !mixed && i === 0 })),
  ];
  let tracks = layout(voices.length > 1);
  try {
    await run(ffmpegPath, outputArgs(raw, file, videos.length, voices.length, tracks));
  } catch (err) {
    if (voices.length < 2) throw err;
    logger.warn(`recording part ${part}: mixing failed (${(err as Error).message}); storing the tracks as recorded`);
    tracks = layout(false);
    await run(ffmpegPath, outputArgs(raw, file, videos.length, voices.length, tracks));
  }
  const mediaSeconds = await probeDuration(ffmpegPath, file);
  const durationSeconds = Math.round((endedAt.getTime() - startedAt.getTime()) / 10) / 100;
  logger.info(`recording part ${part} done: ${durationSeconds} s (media ${mediaSeconds ?? '?'} s), ${videos.length} camera(s), ${voices.length} voice(s)`);
  return { part, file, startedAt, endedAt, durationSeconds, mediaSeconds, tracks: tracks.map((t, index) => ({ index, ...t })), dispose };
}

/**
 * Strictly increasing timestamps for copied packets: when RTCP sender reports first align the
 * tracks, ffmpeg clamps a few packets to the previous timestamp; this moves each such packet 1 ms on.
 */
const MONOTONIC = 'setts=ts=if(gt(PTS\\,PREV_OUTPTS)\\,PTS\\,PREV_OUTPTS+1)';

/**
 * The offline pass: the cameras as recorded; when `tracks` has the mix, one mixed voice track
 * (default) for listening, encoded once here; every voice as recorded; titles, tags and default
 * flags as `tracks` says.
 */
function outputArgs(raw: string, out: string, videos: number, voices: number, tracks: readonly Omit<RecordingTrack, 'index'>[]): string[] {
  const mixed = tracks.some((t) => t.label === 'mix' && t.role === null);
  // Each voice is padded with silence from time zero and where it paused for more than half a
  // second (aresample's hard compensation only: soft stretching turns timestamp jitter into
  // seconds of extra audio), then counted in samples (asetpts), so the mix keeps the voices in
  // step; amix itself does not look at timestamps.
  const pad = 'aresample=async=1:min_hard_comp=0.5:first_pts=0,asetpts=N/SR/TB';
  const voiceIdx = Array.from({ length: voices }, (_, i) => i);
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-i', raw];
  if (mixed) {
    const inputs = voiceIdx.map((i) => `[0:a:${i}]${pad}[a${i}]`).join(';');
    args.push('-filter_complex', `${inputs};${voiceIdx.map((i) => `[a${i}]`).join('')}amix=inputs=${voices}:duration=longest:normalize=0[mix]`);
  }
  for (let i = 0; i < videos; i++) args.push('-map', `0:v:${i}`);
  if (mixed) args.push('-map', '[mix]');
  for (const i of voiceIdx) args.push('-map', `0:a:${i}`);
  const firstVoice = mixed ? 1 : 0;
  args.push('-c', 'copy', '-bsf:v', MONOTONIC);
  if (mixed) args.push('-c:a:0', 'libopus', '-b:a:0', '64k');
  for (const i of voiceIdx) args.push(`-bsf:a:${firstVoice + i}`, MONOTONIC);
  tracks.forEach((t, i) => {
    args.push(`-disposition:${i}`, t.default ? 'default' : '0');
    args.push(...trackMetadata(i, t));
  });
  args.push('-f', 'webm', out);
  return args;
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(bin)} exited ${code}: ${err.trim()}`))));
  });
}

/** Duration in seconds from ffprobe (next to ffmpeg), or null. */
export async function probeDuration(ffmpegPath: string, file: string): Promise<number | null> {
  try {
    const out = await run(ffprobeOf(ffmpegPath), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file]);
    const n = Number(out.trim());
    return Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
  } catch {
    return null;
  }
}

/** ffprobe next to ffmpeg. */
function ffprobeOf(ffmpegPath: string): string {
  return ffmpegPath.includes('/') ? path.join(path.dirname(ffmpegPath), 'ffprobe') : 'ffprobe';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
