// Media settings: codecs of every case's router, where transports listen, and the options of the
// plugin, with defaults that work on a developer's machine and a way to read them from the
// environment in production.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { types } from 'mediasoup';
import { turnSettingsFromEnv, type TurnSettings } from './turn.ts';

/** VP8 for video (every browser, hardware decoders on phones), Opus for audio. */
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 800 } },
];

export interface TransportSettings {
  /** IP the WebRtcTransports listen on ('0.0.0.0' for every interface). */
  listenIp: string;
  /** Address announced in ICE candidates (public or LAN IP) when listenIp is a wildcard or behind NAT. */
  announcedAddress?: string;
  /** Start bitrate the server assumes towards a browser (bit/s). */
  initialAvailableOutgoingBitrate: number;
  /** Cap on what a participant may send (bit/s): a roadside phone needs no more for 720p. */
  maxIncomingBitrate: number;
  /** TURN relay (coturn) whose time-limited credentials every participant gets with its transports (turn.ts). */
  turn?: TurnSettings;
}

export interface RecordingSettings {
  /** Record every call (全程录像). Default true. */
  enabled: boolean;
  /** The ffmpeg binary (Debian's by default). */
  ffmpeg: string;
  /** Scratch folder for SDP files and recordings before they are stored as evidence. */
  dir: string;
  /**
   * How long a part waits for senders still coming (a participant's camera and microphone arrive
   * one after the other, a camera's first packets after its producer) before it starts, or
   * before a new part replaces the running one, without them (ms).
   */
  senderGraceMs: number;
}

export function defaultListen(): Pick<TransportSettings, 'listenIp' | 'announcedAddress'> {
  // A browser on another machine must reach the announced address; the first non-internal IPv4
  // is right on a developer's LAN. Production sets KUAICHU_MEDIA_ANNOUNCED_ADDRESS.
  const lan = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  return lan ? { listenIp: '0.0.0.0', announcedAddress: lan.address } : { listenIp: '127.0.0.1' };
}

/**
 * Options from the environment, for `npm start`:
 * KUAICHU_MEDIA_LISTEN_IP, KUAICHU_MEDIA_ANNOUNCED_ADDRESS, KUAICHU_MEDIA_RTC_PORTS (e.g. 40000-49999),
 * KUAICHU_MEDIA_WORKERS (default: one per core), KUAICHU_MEDIA_RECORDING (0 turns recording off),
 * KUAICHU_FFMPEG, KUAICHU_MEDIA_RECORDING_DIR (default: one folder per deployment, recordingDirFromEnv), and TURN: KUAICHU_TURN_SECRET + KUAICHU_TURN_URLS (+ KUAICHU_TURN_TTL, default 1h).
 */
export function mediaOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): EnvMediaOptions {
  const ports = /^(\d+)-(\d+)$/.exec(env.KUAICHU_MEDIA_RTC_PORTS ?? '');
  const announced = env.KUAICHU_MEDIA_ANNOUNCED_ADDRESS;
  const listen = env.KUAICHU_MEDIA_LISTEN_IP
    ? { listenIp: env.KUAICHU_MEDIA_LISTEN_IP, ...(announced ? { announcedAddress: announced } : {}) }
    : { ...defaultListen(), ...(announced ? { announcedAddress: announced } : {}) };
  const turn = turnSettingsFromEnv(env);
  return {
    ...(env.KUAICHU_MEDIA_WORKERS ? { workers: Number(env.KUAICHU_MEDIA_WORKERS) } : {}),
    ...(ports ? { workerSettings: { rtcMinPort: Number(ports[1]), rtcMaxPort: Number(ports[2]) } } : {}),
    transport: { ...listen, ...(turn ? { turn } : {}) },
    recording: {
      enabled: env.KUAICHU_MEDIA_RECORDING !== '0',
      dir: recordingDirFromEnv(env),
      ...(env.KUAICHU_FFMPEG ? { ffmpeg: env.KUAICHU_FFMPEG } : {}),
    },
  };
}

/**
 * The recording scratch folder: KUAICHU_MEDIA_RECORDING_DIR, or one per deployment under the
 * temp folder. Orphan recovery (recording/recovery.ts) claims every part in it whose process
 * died, so the processes of one deployment on a host must share it and no other kuaichu on the
 * host may (a second installation, a test server: it would claim the part and fail to store it
 * in its own database, and the part would be lost). The key is the database the processes write
 * to (host, port and name; never the credentials), or the PGlite data folder.
 */
export function recordingDirFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  if (env.KUAICHU_MEDIA_RECORDING_DIR) return env.KUAICHU_MEDIA_RECORDING_DIR;
  let database: string;
  if (env.DATABASE_URL) {
    try {
      const u = new URL(env.DATABASE_URL);
      database = `postgres:${u.hostname}:${u.port || '5432'}${u.pathname}`;
    } catch {
      database = 'postgres:unparsed';
    }
  } else {
    database = `pglite:${path.resolve(env.KUAICHU_DATA_DIR ?? 'data')}`;
  }
  return path.join(os.tmpdir(), 'kuaichu-recordings', createHash('sha256').update(database).digest('hex').slice(0, 12));
}

/** What the environment can set (a subset of the plugin's options). */
export interface EnvMediaOptions {
  workers?: number;
  workerSettings?: { rtcMinPort: number; rtcMaxPort: number };
  transport: Pick<TransportSettings, 'listenIp' | 'announcedAddress' | 'turn'>;
  recording: Partial<RecordingSettings>;
}
