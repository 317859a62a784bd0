// The rooms of this process: the media port (@kuaichu/core/ports, MediaPort) core calls. Core opens
// a case's room when it is answered (on the least busy worker; kept after a resume), decides who a
// socket is in it, and ends the call; the rooms report back through MediaReports — a participant
// lost or returned, the call ended, a recording part finished — and core answers with its case
// services. Nothing here knows the case's tables or state.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { MediaJoin, MediaParticipant, MediaPort, MediaReports, MediaRole, MediaRoomRef, MediaRoomSpec, MediaSocket, MediaStats } from '@kuaichu/core/ports';
import { defaultListen, type RecordingSettings, type TransportSettings } from './config.ts';
import { consoleLogger, prefixed, type MediaLogger } from './log.ts';
import { Room } from './Room.ts';
import { SignalingConnection } from './signaling/connection.ts';
import { CloseCode, type RoomClosedReason } from './signaling/messages.ts';
import { createWorkerPool, type WorkerPool } from './worker.ts';
import type { RecordingResult } from './recording/Recorder.ts';
import { recoverOrphanParts } from './recording/recovery.ts';
import type { Peer } from './Peer.ts';

export interface MediaServiceOptions {
  /** Core's answers to what the rooms report. */
  reports: MediaReports;
  /** Workers to use; by default the service starts its own pool (and closes it). */
  pool?: WorkerPool;
  /** Size of the service's own pool (default: one worker per core). */
  workers?: number;
  /** Worker settings for the service's own pool (RTC port range, log level). */
  workerSettings?: { rtcMinPort?: number; rtcMaxPort?: number; logLevel?: types.WorkerLogLevel };
  transport?: Partial<TransportSettings>;
  recording?: Partial<RecordingSettings>;
  /** How long ICE may stay disconnected (for an ICE restart) before a participant counts as lost (ms, default 5000). */
  iceGraceMs?: number;
  /** Overrides the room's party absence limit (the city's resume window) (tests). */
  partyAbsenceSeconds?: number;
  /** Page origins allowed to open the media socket besides the server's own (a web app on another host). */
  allowedOrigins?: readonly string[];
  /** How often to look for recording parts of server processes that died on this host (ms, default 10000; 0 = only at start). */
  orphanScanMs?: number;
  /** Check outgoing messages against their schemas too (tests). */
  validateOutgoing?: boolean;
  logger?: MediaLogger;
}

export interface StoredRecording {
  tenant: string;
  caseId: string;
  part: number;
  evidenceId: string;
  sha256: string;
  size: number;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  mediaSeconds: number | null;
}

export type MediaServiceEvents = {
  roomOpened: [room: Room];
  roomClosed: [room: Room, reason: RoomClosedReason];
  recordingStored: [rec: StoredRecording];
  recordingFailed: [info: { tenant: string; caseId: string; part: number; error: string }];
};

const key = (tenant: string, caseId: string) => `${tenant}/${caseId}`;

export class MediaService extends EventEmitter<MediaServiceEvents> implements MediaPort {
  readonly kind = 'mediasoup';
  readonly #reports: MediaReports;
  readonly #pool: WorkerPool;
  readonly #ownPool: boolean;
  readonly #transport: TransportSettings;
  readonly #recording: RecordingSettings;
  readonly #iceGraceMs: number;
  readonly #partyAbsenceSeconds: number | undefined;
  readonly #allowedOrigins: readonly string[];
  readonly #validateOutgoing: boolean;
  readonly #logger: MediaLogger;
  readonly #rooms = new Map<string, Room>();
  readonly #opening = new Map<string, Promise<Room>>();
  readonly #pendingStores = new Set<Promise<void>>();
  #closed = false;
  #draining = false;
  #orphanTimer: NodeJS.Timeout | undefined;
  #orphanScan: Promise<unknown> = Promise.resolve();

  static async create(opts: MediaServiceOptions): Promise<MediaService> {
    const logger = opts.logger ?? consoleLogger;
    const pool = opts.pool ?? (await createWorkerPool(opts.workers ?? os.availableParallelism(), { settings: opts.workerSettings ?? {}, logger }));
    return new MediaService(opts, pool, !opts.pool, logger);
  }

  private constructor(opts: MediaServiceOptions, pool: WorkerPool, ownPool: boolean, logger: MediaLogger) {
    super();
    this.#reports = opts.reports;
    this.#pool = pool;
    this.#ownPool = ownPool;
    this.#logger = logger;
    // A listen IP given without an announced address is announced as it is (127.0.0.1 in tests).
    const listen = opts.transport?.listenIp ? { listenIp: opts.transport.listenIp } : defaultListen();
    this.#transport = { ...listen, initialAvailableOutgoingBitrate: 1_000_000, maxIncomingBitrate: 2_500_000, ...opts.transport };
    this.#recording = { enabled: true, ffmpeg: '/usr/bin/ffmpeg', dir: path.join(os.tmpdir(), 'kuaichu-recordings'), senderGraceMs: 1500, ...opts.recording };
    this.#iceGraceMs = opts.iceGraceMs ?? 5000;
    this.#partyAbsenceSeconds = opts.partyAbsenceSeconds;
    this.#allowedOrigins = opts.allowedOrigins ?? [];
    this.#validateOutgoing = opts.validateOutgoing ?? false;
    if (this.#recording.enabled) {
      this.scanOrphans();
      const every = opts.orphanScanMs ?? 10_000;
      if (every > 0) this.#orphanTimer = setInterval(() => this.scanOrphans(), every).unref();
    }
  }

  /**
   * Finishes and stores the recording parts left by server processes on this host that died
   * mid-call (recording/recovery.ts): the call's recording keeps the part before the node died.
   */
  scanOrphans(): Promise<unknown> {
    this.#orphanScan = this.#orphanScan.then(() => recoverOrphanParts(this.#recording.dir, this.#recording.ffmpeg, this.#logger, async ({ owner, result }) => {
      const ref = { tenant: owner.tenant, caseId: owner.caseId };
      const store = this.storeRecording(ref, result).catch((err: Error) => {
        this.#logger.error(`[case:${owner.caseId.slice(0, 8)}] recovered recording part ${owner.part} was not stored: ${err.message}`);
        this.emit('recordingFailed', { ...ref, part: owner.part, error: err.message });
      });
      this.#pendingStores.add(store);
      void store.finally(() => this.#pendingStores.delete(store));
      await store;
    })).catch((err: Error) => this.#logger.warn(`looking for orphaned recording parts failed: ${err.message}`));
    return this.#orphanScan;
  }

  get pool(): WorkerPool {
    return this.#pool;
  }

  rooms(): Room[] {
    return [...this.#rooms.values()];
  }

  room(tenant: string, caseId: string): Room | undefined {
    return this.#rooms.get(key(tenant, caseId));
  }

  /** The case's room, opened on the least busy worker if it is not open yet. */
  async openRoom(spec: MediaRoomSpec): Promise<void> {
    if (this.#draining) return; // shutting down: the room opens on the first join elsewhere
    await this.roomFor(spec);
  }

  keepOnly(ref: MediaRoomRef, role: MediaRole, identity: string): void {
    this.room(ref.tenant, ref.caseId)?.keepOnly(role, identity);
  }

  endCall(ref: MediaRoomRef, reason: RoomClosedReason): void {
    this.#rooms.get(key(ref.tenant, ref.caseId))?.close(reason);
  }

  /**
   * A socket on GET /api/cases/:id/media. Frames that arrive while core looks the case up are
   * kept. Anyone core does not admit is closed with 4401 (no session) or 4404 (not a member).
   */
  async admit(socket: MediaSocket, join: MediaJoin): Promise<void> {
    const connection = new SignalingConnection(socket, { logger: prefixed(this.#logger, `[case:${join.caseId.slice(0, 8)}]`), validateOutgoing: this.#validateOutgoing });
    connection.startHeartbeat();
    const entry = await join.entry;
    if (!entry.admitted && entry.refusal === 'unauthenticated') return connection.close(CloseCode.unauthenticated, 'sign in first');
    if (!this.originAllowed(join)) return connection.close(CloseCode.badOrigin, 'origin not allowed');
    if (!entry.admitted) return connection.close(CloseCode.notMember, 'not a member of this case');
    const { tenant, caseId } = entry.room;
    let room = this.room(tenant, caseId);
    // Draining (SIGTERM): calls held here go on, no new room is opened — the client goes elsewhere.
    if (!room && entry.inCall && this.#draining) return connection.close(CloseCode.restarting, 'server restarting');
    if (!room && entry.inCall) room = await this.roomFor(entry.room);
    if (!room || room.closed) return connection.close(CloseCode.noCall, `no call on this case now (${entry.state})`);
    if (connection.closed) return;
    room.addPeer(connection, entry.participant);
  }

  /** Each live worker's CPU time, rooms and consumers (MediaPort.stats, for /metrics and readiness). */
  async stats(): Promise<MediaStats> {
    const workers = this.#pool.workers.filter((w) => !w.closed);
    const rooms = this.rooms().filter((r) => !r.closed);
    return {
      configuredWorkers: this.#pool.configured,
      workers: await Promise.all(workers.map(async (w, i) => {
        const usage = await w.getResourceUsage();
        const mine = rooms.filter((r) => r.worker === w);
        return {
          worker: String(i), pid: w.pid, cpuSeconds: (usage.ru_utime + usage.ru_stime) / 1000, rooms: mine.length,
          consumers: mine.reduce((n, r) => n + r.peers().reduce((m, p) => m + p.consumerCount, 0), 0),
        };
      })),
    };
  }

  /** Waits until every recording part that ended has been stored (or failed). */
  async settled(): Promise<void> {
    while (this.#pendingStores.size) await Promise.allSettled([...this.#pendingStores]);
  }

  /**
   * Graceful shutdown: opens no new room; waits up to `graceMs` for the calls held here to end;
   * then closes the rest with 'shutdown' — their clients get close code 1012 and reconnect, which
   * the balancer sends to another process, where the room opens again (same case, same seat).
   * Resolves once the closed rooms' recordings are stored.
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    const deadline = Date.now() + graceMs;
    while (this.rooms().some((r) => !r.closed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const room of this.rooms()) room.close('shutdown');
    while (this.#rooms.size) await new Promise((r) => setTimeout(r, 50));
    await this.settled();
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Closes every room (recordings are finished and stored), closes its own workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#orphanTimer);
    await this.#orphanScan;
    await Promise.allSettled([...this.#opening.values()]);
    for (const room of this.rooms()) room.close('shutdown');
    await this.settled();
    if (this.#ownPool) this.#pool.close();
  }

  /**
   * A browser page may open the socket only from this server's own origin (or one configured):
   * the session cookie alone must not let another site's page into a call.
   */
  private originAllowed({ origin, host, forwardedHost }: { origin?: string | undefined; host?: string | undefined; forwardedHost?: string | undefined }): boolean {
    if (!origin) return true; // not a browser page (apps, tests)
    if (this.#allowedOrigins.includes(origin)) return true;
    try {
      const h = new URL(origin).host;
      return h === host || (forwardedHost !== undefined && h === forwardedHost.split(',')[0]!.trim());
    } catch {
      return false;
    }
  }

  private roomFor(spec: MediaRoomSpec): Promise<Room> {
    const k = key(spec.tenant, spec.caseId);
    const open = this.#rooms.get(k);
    if (open) return Promise.resolve(open);
    let opening = this.#opening.get(k);
    if (!opening) {
      opening = this.createRoom(spec).finally(() => this.#opening.delete(k));
      this.#opening.set(k, opening);
    }
    return opening;
  }

  private async createRoom({ tenant, caseId, partyAbsenceSeconds }: MediaRoomSpec): Promise<Room> {
    if (this.#closed) throw new Error('media service closed');
    const worker = this.leastBusyWorker();
    const windowSeconds = this.#partyAbsenceSeconds ?? partyAbsenceSeconds;
    const room = await Room.create({
      tenant, caseId, worker, transport: this.#transport, recording: this.#recording, iceGraceMs: this.#iceGraceMs,
      partyAbsenceMs: windowSeconds * 1000, logger: this.#logger,
    });
    this.#rooms.set(key(tenant, caseId), room);
    this.handleRoom(room);
    this.emit('roomOpened', room);
    return room;
  }

  private leastBusyWorker(): types.Worker {
    const load = new Map<number, number>();
    for (const r of this.#rooms.values()) load.set(r.worker.pid, (load.get(r.worker.pid) ?? 0) + 1);
    const workers = this.#pool.workers.filter((w) => !w.closed);
    if (!workers.length) throw new Error('no live mediasoup worker');
    return workers.reduce((best, w) => ((load.get(w.pid) ?? 0) < (load.get(best.pid) ?? 0) ? w : best));
  }

  private handleRoom(room: Room): void {
    const { tenant, caseId } = room;
    const ref = { tenant, caseId };
    const log = prefixed(this.#logger, `[case:${caseId.slice(0, 8)}]`);
    const report = (what: string, p: Promise<unknown>) => void p.catch((err: Error) => log.warn(`core did not take "${what}": ${err.message}`));
    room.once('closed', (reason) => {
      this.#rooms.delete(key(tenant, caseId));
      this.emit('roomClosed', room, reason);
      report('call ended', this.#reports.callEnded({ room: ref, reason }));
    });
    room.on('peerJoined', (peer) => report('participant returned', this.#reports.participantReturned({ room: ref, participant: participantOf(peer) })));
    room.on('peerLeft', (peer, reason) => {
      // Replaced by a newer connection of the same person, or the room closing: nobody was lost.
      if (room.closed || reason === 'replaced' || reason === 'room_closed') return;
      report('participant lost', this.#reports.participantLost({ room: ref, participant: participantOf(peer), reason }));
    });
    room.on('recording', ({ part, done }) => {
      const store = done.then((result) => (result ? this.storeRecording(ref, result) : undefined)).catch((err: Error) => {
        log.error(`recording part ${part} was not stored: ${err.message}`);
        this.emit('recordingFailed', { tenant, caseId, part, error: err.message });
      });
      this.#pendingStores.add(store);
      void store.finally(() => this.#pendingStores.delete(store));
    });
  }

  private async storeRecording(room: MediaRoomRef, r: RecordingResult): Promise<void> {
    try {
      const data = {
        startedAt: r.startedAt.toISOString(), endedAt: r.endedAt.toISOString(),
        durationSeconds: r.durationSeconds, mediaSeconds: r.mediaSeconds, tracks: r.tracks,
      };
      const stored = await this.#reports.recordingStored({ room, file: { path: r.file, contentType: 'video/webm' }, ...data });
      this.#logger.info(`[case:${room.caseId.slice(0, 8)}] recording part ${stored.part} stored as evidence #${stored.seq} (${stored.size} bytes)`);
      this.emit('recordingStored', { ...room, evidenceId: stored.evidenceId, sha256: stored.sha256, size: stored.size, part: stored.part, ...data });
    } finally {
      await r.dispose();
    }
  }
}

function participantOf(peer: Peer): MediaParticipant {
  return { role: peer.role, identity: peer.identity, displayName: peer.displayName };
}
