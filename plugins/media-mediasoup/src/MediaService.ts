// The rooms of this process and their link to the case service. Committed case events (the live
// NOTIFY channel) open and close rooms: case.answered opens the case's room (or keeps it, after a
// resume) on the least busy worker; leaving the scene, escalation and abandonment close it. In the
// other direction, a room that loses its reporting party drops the call (call.dropped), and each
// recording part becomes an evidence item when it ends.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { types } from 'mediasoup';
import { LIVE_CHANNEL, type CoreContext, type LiveNote } from '@kuaichu/core/context';
import type { Principal } from '@kuaichu/core/auth/sessions';
import { getCase, type CaseRow } from '@kuaichu/core/cases/repository.ts';
import { dropCall } from '@kuaichu/core/cases/queue.ts';
import { addEvidence } from '@kuaichu/core/cases/evidence.ts';
import { defaultListen, type RecordingSettings, type TransportSettings } from './config.ts';
import { consoleLogger, prefixed, type MediaLogger } from './log.ts';
import { Room } from './Room.ts';
import { admit } from './roles.ts';
import { SignalingConnection, type SocketLike } from './signaling/connection.ts';
import { CloseCode, type RoomClosedReason } from './signaling/messages.ts';
import { createWorkerPool, type WorkerPool } from './worker.ts';
import type { RecordingResult } from './recording/Recorder.ts';

/** States in which a case has a live call (a room may be opened on a join if none is open). */
const IN_CALL: readonly string[] = ['in_call', 'evidence_complete'];

/** Case events that end the call, and the reason the room gives its participants. */
const CLOSING: Readonly<Record<string, RoomClosedReason>> = {
  'case.evacuated': 'evacuated',
  'case.escalated': 'escalated',
  'case.abandoned': 'abandoned',
};

export interface MediaServiceOptions {
  ctx: CoreContext;
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
  /** Overrides the city's resume window as the limit of a room without its party (tests). */
  partyAbsenceSeconds?: number;
  /** Page origins allowed to open the media socket besides the server's own (a web app on another host). */
  allowedOrigins?: readonly string[];
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
  /** The plugin dropped a call because the reporting party was lost. */
  callDropped: [info: { tenant: string; caseId: string; reason: string }];
  recordingStored: [rec: StoredRecording];
  recordingFailed: [info: { tenant: string; caseId: string; part: number; error: string }];
};

const key = (tenant: string, caseId: string) => `${tenant}/${caseId}`;

export class MediaService extends EventEmitter<MediaServiceEvents> {
  readonly #ctx: CoreContext;
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
  #unlisten: (() => Promise<void>) | null = null;
  #notes: Promise<void> = Promise.resolve();
  #closed = false;

  static async create(opts: MediaServiceOptions): Promise<MediaService> {
    const logger = opts.logger ?? consoleLogger;
    const pool = opts.pool ?? (await createWorkerPool(opts.workers ?? os.availableParallelism(), { settings: opts.workerSettings ?? {}, logger }));
    const service = new MediaService(opts, pool, !opts.pool, logger);
    try {
      service.#unlisten = await opts.ctx.db.listen(LIVE_CHANNEL, (payload) => service.onNote(payload));
    } catch (err) {
      if (!opts.pool) pool.close();
      throw err;
    }
    return service;
  }

  private constructor(opts: MediaServiceOptions, pool: WorkerPool, ownPool: boolean, logger: MediaLogger) {
    super();
    this.#ctx = opts.ctx;
    this.#pool = pool;
    this.#ownPool = ownPool;
    this.#logger = logger;
    // A listen IP given without an announced address is announced as it is (127.0.0.1 in tests).
    const listen = opts.transport?.listenIp ? { listenIp: opts.transport.listenIp } : defaultListen();
    this.#transport = { ...listen, initialAvailableOutgoingBitrate: 1_000_000, maxIncomingBitrate: 2_500_000, ...opts.transport };
    this.#recording = { enabled: true, ffmpeg: '/usr/bin/ffmpeg', dir: path.join(os.tmpdir(), 'kuaichu-recordings'), seatAudioGraceMs: 1500, ...opts.recording };
    this.#iceGraceMs = opts.iceGraceMs ?? 5000;
    this.#partyAbsenceSeconds = opts.partyAbsenceSeconds;
    this.#allowedOrigins = opts.allowedOrigins ?? [];
    this.#validateOutgoing = opts.validateOutgoing ?? false;
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
  openRoom(tenant: string, caseId: string): Promise<Room> {
    const k = key(tenant, caseId);
    const open = this.#rooms.get(k);
    if (open) return Promise.resolve(open);
    let opening = this.#opening.get(k);
    if (!opening) {
      opening = this.createRoom(tenant, caseId).finally(() => this.#opening.delete(k));
      this.#opening.set(k, opening);
    }
    return opening;
  }

  closeRoom(tenant: string, caseId: string, reason: RoomClosedReason): void {
    this.#rooms.get(key(tenant, caseId))?.close(reason);
  }

  /**
   * A socket on GET /api/cases/:id/media. Frames that arrive while the case is looked up are kept.
   * Anyone who is not a member of the case's room is closed with 4404.
   */
  async accept(socket: SocketLike, principal: Principal | null, caseId: string, origin: { origin?: string | undefined; host?: string | undefined; forwardedHost?: string | undefined }): Promise<void> {
    const connection = new SignalingConnection(socket, { logger: prefixed(this.#logger, `[case:${caseId.slice(0, 8)}]`), validateOutgoing: this.#validateOutgoing });
    connection.startHeartbeat();
    if (!principal) return connection.close(CloseCode.unauthenticated, 'sign in first');
    if (!this.originAllowed(origin)) return connection.close(CloseCode.badOrigin, 'origin not allowed');
    let c: CaseRow;
    try {
      c = await getCase(this.#ctx.db, principal.tenant, caseId);
    } catch {
      return connection.close(CloseCode.notMember, 'not a member of this case');
    }
    const admission = admit(principal, c);
    if (!admission) return connection.close(CloseCode.notMember, 'not a member of this case');
    let room = this.room(c.tenant, c.id);
    if (!room && IN_CALL.includes(c.state)) room = await this.openRoom(c.tenant, c.id);
    if (!room || room.closed) return connection.close(CloseCode.noCall, `no call on this case now (${c.state})`);
    if (connection.closed) return;
    room.addPeer(connection, admission);
  }

  /** Waits until every recording part that ended has been stored (or failed). */
  async settled(): Promise<void> {
    while (this.#pendingStores.size) await Promise.allSettled([...this.#pendingStores]);
  }

  /** Closes every room (recordings are finished and stored), stops listening, closes its own workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#unlisten?.().catch(() => {});
    await this.#notes;
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

  private async createRoom(tenant: string, caseId: string): Promise<Room> {
    if (this.#closed) throw new Error('media service closed');
    const worker = this.leastBusyWorker();
    const windowSeconds = this.#partyAbsenceSeconds ?? this.#ctx.cities.get(tenant).profile.queue?.resumeWindowSeconds ?? 600;
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
    room.once('closed', (reason) => {
      this.#rooms.delete(key(tenant, caseId));
      this.emit('roomClosed', room, reason);
    });
    room.on('partyLost', (reason) => void this.dropCall(tenant, caseId, reason));
    room.on('recording', ({ part, done }) => {
      const store = done.then((result) => (result ? this.storeRecording(tenant, caseId, result) : undefined)).catch((err: Error) => {
        this.#logger.error(`[case:${caseId.slice(0, 8)}] recording part ${part} was not stored: ${err.message}`);
        this.emit('recordingFailed', { tenant, caseId, part, error: err.message });
      });
      this.#pendingStores.add(store);
      void store.finally(() => this.#pendingStores.delete(store));
    });
  }

  private async dropCall(tenant: string, caseId: string, reason: string): Promise<void> {
    try {
      const c = await getCase(this.#ctx.db, tenant, caseId);
      if (!IN_CALL.includes(c.state)) return;
      await dropCall(this.#ctx, tenant, caseId, 'system');
      this.#logger.info(`[case:${caseId.slice(0, 8)}] call dropped: the party was lost (${reason})`);
      this.emit('callDropped', { tenant, caseId, reason });
    } catch (err) {
      this.#logger.warn(`[case:${caseId.slice(0, 8)}] could not drop the call: ${(err as Error).message}`);
    }
  }

  private async storeRecording(tenant: string, caseId: string, r: RecordingResult): Promise<void> {
    try {
      const bytes = new Uint8Array(await readFile(r.file));
      const stored = await this.#ctx.files.put(bytes, 'video/webm');
      // Parts are numbered as they are stored: a part restarted before it recorded anything leaves no gap.
      const [prior] = await this.#ctx.db.query<{ n: string | number }>(
        "SELECT count(*) AS n FROM evidence WHERE tenant = $1 AND case_id = $2 AND item = 'recording'", [tenant, caseId]);
      const part = Number(prior?.n ?? 0) + 1;
      const data = {
        part, startedAt: r.startedAt.toISOString(), endedAt: r.endedAt.toISOString(),
        durationSeconds: r.durationSeconds, mediaSeconds: r.mediaSeconds, tracks: r.tracks,
      };
      const row = await addEvidence(this.#ctx, tenant, caseId, 'system', { item: 'recording', file: stored, data });
      this.#logger.info(`[case:${caseId.slice(0, 8)}] recording part ${part} stored as evidence #${row.seq} (${stored.size} bytes)`);
      this.emit('recordingStored', { tenant, caseId, evidenceId: row.id, sha256: stored.sha256, size: stored.size, ...data });
    } finally {
      await r.dispose();
    }
  }

  /** Committed case events, one at a time in commit order (like the live pushes). */
  private onNote(payload: string): void {
    this.#notes = this.#notes.then(() => this.handleNote(JSON.parse(payload) as LiveNote)).catch((err: Error) => this.#logger.error(`media: case event not handled: ${err.message}`));
  }

  private async handleNote(note: LiveNote): Promise<void> {
    if (this.#closed) return;
    if (note.type === 'case.answered') {
      const c = await getCase(this.#ctx.db, note.tenant, note.caseId);
      if (!IN_CALL.includes(c.state) || !c.seat_id) return;
      const room = await this.openRoom(c.tenant, c.id);
      room.keepOnlySeat(c.seat_id);
      return;
    }
    const reason = CLOSING[note.type];
    if (reason) this.closeRoom(note.tenant, note.caseId, reason);
  }
}
