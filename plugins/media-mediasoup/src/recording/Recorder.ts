// One part of a call's recording (全程录像): the party's video and audio and the seat's audio leave
// the router through PlainTransports into ffmpeg, which writes them into Matroska as they come
// (no transcoding: cheap, and a crash leaves a readable file). When the part ends, ffmpeg is told
// to quit, and one offline pass makes the WebM that is stored: the video, a mix of both voices as
// the default audio track (what a player plays), and the two original voice tracks.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { RecordingSettings } from '../config.ts';
import type { MediaLogger } from '../log.ts';
import { boundUdpPorts, freePortPair } from './ports.ts';
import { recordingSdp } from './sdp.ts';

export interface RecordingSources {
  video: types.Producer;
  partyAudio: types.Producer;
  seatAudio?: types.Producer | undefined;
}

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
  /** Audio tracks in order after the video: ['mix', 'party', 'seat'] or ['party']. */
  tracks: string[];
  /** Removes the scratch folder (after the file was stored). */
  dispose(): Promise<void>;
}

interface Leg {
  label: 'video' | 'party' | 'seat';
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
    sources: RecordingSources;
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
      const wanted: [Leg['label'], types.Producer | undefined][] = [['video', sources.video], ['party', sources.partyAudio], ['seat', sources.seatAudio]];
      for (const [label, producer] of wanted) {
        if (!producer || producer.closed) continue;
        const port = await freePortPair();
        // RTP to port, RTCP (sender reports, for lip sync) to port + 1, as ffmpeg expects.
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
        transports.push(transport);
        await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
        // The media codec only: no RTX, no header extensions (ffmpeg would not know them).
        const codec = router.rtpCapabilities.codecs!.find((c) => c.kind === producer.kind && !/\/rtx$/i.test(c.mimeType))!;
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: { codecs: [codec], headerExtensions: [] }, paused: true });
        legs.push({ label, port, transport, consumer });
      }
      if (!legs.some((l) => l.label === 'video') || !legs.some((l) => l.label === 'party')) throw new Error('the party is not sending both video and audio');
      const sdp = path.join(dir, 'input.sdp');
      await writeFile(sdp, recordingSdp(legs.map((l) => ({ kind: l.consumer.kind, port: l.port, codec: l.consumer.rtpParameters.codecs[0]! }))));
      const raw = path.join(dir, 'raw.mkv');
      ffmpeg = spawn(settings.ffmpeg, [
        '-hide_banner', '-loglevel', process.env.KUAICHU_FFMPEG_LOGLEVEL ?? 'warning', '-nostats',
        '-protocol_whitelist', 'file,udp,rtp',
        '-i', sdp,
        ...legs.flatMap((_, i) => ['-map', `0:${i}`]),
        // Written as a live stream, flushed packet by packet: if ffmpeg has to be killed, the file
        // still holds everything up to then (the stored WebM is made from it afterwards).
        '-c', 'copy', '-f', 'matroska', '-live', '1', '-flush_packets', '1', raw,
      ], { stdio: ['pipe', 'ignore', 'pipe'] });
      const recorder = new Recorder({ part, dir, legs, ffmpeg, ffmpegPath: settings.ffmpeg, logger });
      await recorder.#receiving();
      if (owner) {
        const o: PartOwner = { ...owner, part, pid: process.pid, pidStart: processStart(process.pid), ffmpegPid: ffmpeg.pid ?? null, startedAt: recorder.#startedAt.toISOString(), seat: recorder.hasSeatAudio };
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

  get hasSeatAudio(): boolean {
    return this.#legs.some((l) => l.label === 'seat');
  }

  /** The producers this part records (a part ends when one of the party's closes). */
  get producerIds(): string[] {
    return this.#legs.map((l) => l.consumer.producerId);
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
    const video = this.#legs.find((l) => l.label === 'video')!.consumer;
    // The recording must start with a key frame; ask again in case the first answer is lost.
    await video.requestKeyFrame().catch(() => {});
    for (const ms of [500, 1500]) this.#timers.push(setTimeout(() => void video.requestKeyFrame().catch(() => {}), ms));
    this.#logger.info(`recording part ${this.#part} started (${this.#legs.map((l) => l.label).join(', ')})`);
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
    return finishPart({ ffmpegPath: this.#ffmpegPath, dir: this.#dir, part: this.#part, seat: this.hasSeatAudio, startedAt: this.#startedAt, endedAt, logger: this.#logger, stderr: this.#stderr });
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
  /** The seat's voice is in the part (mixed track and the two voices as recorded). */
  seat: boolean;
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

/**
 * Makes the stored WebM of a part whose capture ended (raw.mkv in `dir`): the voices mixed when
 * the seat's is there, the tracks as recorded otherwise; null when nothing was recorded.
 */
export async function finishPart({ ffmpegPath, dir, part, seat, startedAt, endedAt, logger, stderr = '' }: {
  ffmpegPath: string; dir: string; part: number; seat: boolean; startedAt: Date; endedAt: Date; logger: MediaLogger; stderr?: string;
}): Promise<RecordingResult | null> {
  const raw = path.join(dir, 'raw.mkv');
  const dispose = () => (process.env.KUAICHU_KEEP_RECORDINGS ? Promise.resolve() : rm(dir, { recursive: true, force: true }));
  const size = await stat(raw).then((s) => s.size, () => 0);
  if (size < 1024) {
    logger.warn(`recording part ${part} is empty (${size} bytes): ${stderr.trim().slice(-400)}`);
    await dispose();
    return null;
  }
  const file = path.join(dir, 'recording.webm');
  const asRecorded = ['-hide_banner', '-loglevel', 'error', '-y', '-i', raw, '-map', '0', '-c', 'copy', '-bsf', MONOTONIC, '-f', 'webm', file];
  try {
    await run(ffmpegPath, seat ? mixArgs(raw, file) : asRecorded);
  } catch (err) {
    logger.warn(`recording part ${part}: mixing failed (${(err as Error).message}); storing the tracks as recorded`);
    await run(ffmpegPath, asRecorded);
  }
  const mediaSeconds = await probeDuration(ffmpegPath, file);
  const durationSeconds = Math.round((endedAt.getTime() - startedAt.getTime()) / 10) / 100;
  logger.info(`recording part ${part} done: ${durationSeconds} s (media ${mediaSeconds ?? '?'} s)`);
  return { part, file, startedAt, endedAt, durationSeconds, mediaSeconds, tracks: seat ? ['mix', 'party', 'seat'] : ['party'], dispose };
}

/**
 * Strictly increasing timestamps for copied packets: when RTCP sender reports first align the
 * tracks, ffmpeg clamps a few packets to the previous timestamp; this moves each such packet 1 ms on.
 */
const MONOTONIC = 'setts=ts=if(gt(PTS\\,PREV_OUTPTS)\\,PTS\\,PREV_OUTPTS+1)';

/** Video as recorded; one mixed voice track (default) for listening; the two voices as recorded. */
function mixArgs(raw: string, out: string): string[] {
  // Each voice is padded with silence from time zero and where it paused for more than half a
  // second (aresample's hard compensation only: soft stretching turns timestamp jitter into
  // seconds of extra audio), then counted in samples (asetpts), so the mix keeps the voices in
  // step; amix itself does not look at timestamps.
  const pad = 'aresample=async=1:min_hard_comp=0.5:first_pts=0,asetpts=N/SR/TB';
  return [
    '-hide_banner', '-loglevel', 'error', '-y', '-i', raw,
    '-filter_complex', `[0:a:0]${pad}[a0];[0:a:1]${pad}[a1];[a0][a1]amix=inputs=2:duration=longest:normalize=0[mix]`,
    '-map', '0:v:0', '-map', '[mix]', '-map', '0:a:0', '-map', '0:a:1',
    '-c:v', 'copy', '-c:a:0', 'libopus', '-b:a:0', '64k', '-c:a:1', 'copy', '-c:a:2', 'copy',
    '-bsf:v', MONOTONIC, '-bsf:a:1', MONOTONIC, '-bsf:a:2', MONOTONIC,
    '-disposition:a:0', 'default', '-disposition:a:1', '0', '-disposition:a:2', '0',
    '-metadata:s:a:0', 'title=mix', '-metadata:s:a:1', 'title=party', '-metadata:s:a:2', 'title=seat',
    '-f', 'webm', out,
  ];
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
  const ffprobe = ffmpegPath.includes('/') ? path.join(path.dirname(ffmpegPath), 'ffprobe') : 'ffprobe';
  try {
    const out = await run(ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file]);
    const n = Number(out.trim());
    return Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
