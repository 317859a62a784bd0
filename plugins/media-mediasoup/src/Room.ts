// A case's media room: one mediasoup router on one worker, the peers in it, and the recording of the
// call. Everyone in the room receives everyone else's media. The room knows nothing of the case's
// state: it tells its owner (MediaService) who joined and left and when a recording part is ready,
// and is closed by it when the call ends.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { Errors } from '@kuaichu/core/errors';
import { MEDIA_CODECS, type RecordingSettings, type TransportSettings } from './config.ts';
import { prefixed, type MediaLogger } from './log.ts';
import { Peer, type PeerHost } from './Peer.ts';
import type { RecordingResult } from './recording/Recorder.ts';
import { RoomRecording } from './recording/RoomRecording.ts';
import { canProduce, ROLE_RULES, type Admission } from './roles.ts';
import type { SignalingConnection } from './signaling/connection.ts';
import type { MediaPeer, MediaRole, ModerationAction, PeerLeftReason, RoomClosedReason } from './signaling/messages.ts';
import { CloseCode } from './signaling/messages.ts';

/** How long a closing room keeps its media flowing for the recording to end cleanly. */
const CAPTURE_END_WAIT_MS = 1500;
/**
 * Participants a room holds at most (云车通's "five parties in one room": the seat, both parties,
 * the insurer, the repair shop, the mediator). A listening supervisor is not counted.
 */
export const ROOM_CAPACITY = 6;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Who may mute or remove another participant: police on the case. */
const MODERATORS: readonly MediaRole[] = ['seat', 'officer'];
/** Who cannot be muted or removed by them: police (the seat is replaced by the ACD, not removed). */
const NOT_MODERATED: readonly MediaRole[] = ['seat', 'officer', 'supervisor'];

export type RoomEvents = {
  /** The room closed, whatever the reason; emitted once. */
  closed: [reason: RoomClosedReason];
  /** A participant joined (after its `join` request). */
  peerJoined: [peer: Peer];
  /** A participant that had joined left. */
  peerLeft: [peer: Peer, reason: PeerLeftReason];
  /** A recording part ended; `done` resolves with its file, or null when nothing was recorded. */
  recording: [part: { part: number; done: Promise<RecordingResult | null> }];
};

export interface RoomCreateOptions {
  tenant: string;
  caseId: string;
  worker: types.Worker;
  transport: TransportSettings;
  recording: RecordingSettings;
  /** See Peer: how long ICE may stay disconnected before the peer counts as lost. */
  iceGraceMs: number;
  /** The room closes when the reporting party has been away this long (the city's resume window). */
  partyAbsenceMs: number;
  logger: MediaLogger;
}

interface RoomConstructorOptions extends RoomCreateOptions {
  router: types.Router;
}

export interface SerializedRoom {
  tenant: string;
  caseId: string;
  workerPid: number;
  peers: MediaPeer[];
  recording: boolean;
  recordingParts: number;
  createdAt: string;
}

export class Room extends EventEmitter<RoomEvents> {
  readonly #tenant: string;
  readonly #caseId: string;
  readonly #worker: types.Worker;
  readonly #router: types.Router;
  readonly #transportSettings: TransportSettings;
  readonly #iceGraceMs: number;
  readonly #partyAbsenceMs: number;
  readonly #logger: MediaLogger;
  readonly #peers = new Map<string, Peer>();
  readonly #createdAt = new Date();
  readonly #host: PeerHost;
  readonly #recording: RoomRecording;
  #absenceTimer: NodeJS.Timeout | null = null;
  #closed = false;
  /** Identities the seat removed: they cannot come back into this room. */
  readonly #removed = new Set<string>();
  /** The worker under the room died: the call is not over, its clients rejoin (a room on a live worker). */
  #workerDied = false;

  static async create(opts: RoomCreateOptions): Promise<Room> {
    const router = await opts.worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { caseId: opts.caseId } });
    return new Room({ ...opts, router });
  }

  private constructor(opts: RoomConstructorOptions) {
    super();
    this.#tenant = opts.tenant;
    this.#caseId = opts.caseId;
    this.#worker = opts.worker;
    this.#router = opts.router;
    this.#transportSettings = opts.transport;
    this.#iceGraceMs = opts.iceGraceMs;
    this.#partyAbsenceMs = opts.partyAbsenceMs;
    this.#logger = prefixed(opts.logger, `[case:${opts.caseId.slice(0, 8)}]`);
    // Everyone who may send (a listening supervisor may not), in the order they joined.
    const participants = () => this.joinedPeers().filter((p) => canProduce(p.role, 'microphone') || canProduce(p.role, 'camera'))
      .map((p) => ({ peerId: p.id, role: p.role, producers: p.getProducers() }));
    this.#recording = new RoomRecording({ router: opts.router, settings: opts.recording, logger: this.#logger, owner: { tenant: opts.tenant, caseId: opts.caseId }, participants });
    this.#recording.on('part', (part) => this.emit('recording', part));
    this.#recording.on('active', (active) => {
      if (!this.#closed || active) for (const p of this.joinedPeers()) p.connection.notify('recording', { active });
    });
    this.#host = {
      joined: (peer) => ({ caseId: this.#caseId, peers: this.joinedPeers().filter((p) => p !== peer).map((p) => p.serialize()), recording: this.#recording.active }),
      producers: () => this.joinedPeers().flatMap((p) => p.getProducers()),
      moderate: (by, peerId, action) => this.moderate(by, peerId, action),
    };
    this.handleRouter();
    this.armAbsenceTimer();
    this.#logger.info(`room open on worker ${this.#worker.pid}`);
  }

  get tenant(): string {
    return this.#tenant;
  }

  get caseId(): string {
    return this.#caseId;
  }

  get router(): types.Router {
    return this.#router;
  }

  get worker(): types.Worker {
    return this.#worker;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A recording part is running. */
  get recording(): boolean {
    return this.#recording.active;
  }

  /** Everyone connected, joined or still joining. */
  peers(): Peer[] {
    return [...this.#peers.values()];
  }

  joinedPeers(): Peer[] {
    return this.peers().filter((p) => p.joined && !p.closed);
  }

  serialize(): SerializedRoom {
    return {
      tenant: this.#tenant,
      caseId: this.#caseId,
      workerPid: this.#worker.pid,
      peers: this.joinedPeers().map((p) => p.serialize()),
      recording: this.recording,
      recordingParts: this.#recording.parts,
      createdAt: this.#createdAt.toISOString(),
    };
  }

  /**
   * A newly admitted participant; a previous connection of the same person is replaced. A room
   * holds at most ROOM_CAPACITY participants who take part (a listening supervisor is not
   * counted): one more is refused with 4429 and nobody else is disturbed.
   */
  addPeer(connection: SignalingConnection, admission: Admission): Peer | null {
    if (this.#closed) throw new Error('room closed');
    if (this.#removed.has(admission.identity)) {
      this.#logger.info(`${admission.role} refused: removed from this room by the seat`);
      connection.close(CloseCode.removed, 'removed from this room by the seat');
      return null;
    }
    const counted = (p: { role: MediaRole }) => p.role !== 'supervisor';
    const present = this.peers().filter((p) => !p.closed && p.identity !== admission.identity && counted(p)).length;
    if (counted(admission) && present >= ROOM_CAPACITY) {
      this.#logger.info(`${admission.role} refused: the room is full (${present} of ${ROOM_CAPACITY})`);
      connection.close(CloseCode.roomFull, `the room is full: at most ${ROOM_CAPACITY} participants`);
      return null;
    }
    for (const p of this.peers()) if (p.identity === admission.identity) p.close('replaced');
    const peer = Peer.create({
      admission, connection, router: this.#router, host: this.#host, transport: this.#transportSettings, iceGraceMs: this.#iceGraceMs, logger: this.#logger,
    });
    this.#peers.set(peer.id, peer);
    this.handlePeer(peer);
    return peer;
  }

  /**
   * The seat (or an officer) mutes a participant's microphone — paused at the server, so nobody
   * receives it, and the participant's screen says so (they may unmute) — or removes them: told,
   * disconnected (4002) and kept out of this room. Police are not moderated.
   */
  private async moderate(by: Peer, peerId: string, action: ModerationAction): Promise<void> {
    if (!MODERATORS.includes(by.role)) throw Errors.forbidden(`a ${by.role} does not mute or remove participants`);
    const target = this.joinedPeers().find((p) => p.id === peerId);
    if (!target || target === by) throw Errors.notFound('no such participant in this room');
    if (NOT_MODERATED.includes(target.role)) throw Errors.forbidden(`a ${target.role} is not muted or removed`);
    this.#logger.info(`${by.role} ${action === 'mute' ? 'mutes' : 'removes'} ${target.role}`);
    if (action === 'remove') this.#removed.add(target.identity);
    await target.moderated(action);
  }

  /** Of `role`, only `identity` stays (the case answered again by another seat: the previous one leaves). */
  keepOnly(role: MediaRole, identity: string): void {
    for (const p of this.peers()) if (p.role === role && p.identity !== identity) p.close('removed');
  }

  /**
   * Ends the call in this room: everyone is told at once; the recording part is finished while the
   * media still flows (ffmpeg stops cleanly only between packets), then everyone is disconnected
   * and the router closed. Idempotent; `closed` is true from the first call.
   */
  close(reason: RoomClosedReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#logger.info(`room closed (${reason})`);
    if (this.#absenceTimer) clearTimeout(this.#absenceTimer);
    for (const p of this.peers()) p.connection.notify('roomClosed', { reason });
    const recording = this.#recording.active;
    const captureEnded = this.#recording.close();
    const finish = () => {
      // A process shutting down: the clients reconnect (1012) and the call goes on in another process.
      // A worker that died (issue 16) is like a process going away: 1012, the clients rejoin and
      // the service opens the case's room again on a live worker (same case, same seat).
      for (const p of this.peers()) p.close('room_closed', reason === 'shutdown' || this.#workerDied ? CloseCode.restarting : undefined);
      this.#router.close();
      this.emit('closed', reason);
    };
    if (!recording || this.#router.closed) return finish();
    void Promise.race([captureEnded, sleep(CAPTURE_END_WAIT_MS)]).then(finish);
  }

  private handleRouter(): void {
    // The worker died (its routers with it): nothing in this room works any more.
    this.#router.on('workerclose', () => {
      this.#logger.error('the mediasoup worker closed under the room; its clients rejoin on another worker');
      this.#workerDied = true;
      this.close('closed');
    });
  }

  private handlePeer(peer: Peer): void {
    peer.on('joined', () => {
      for (const other of this.joinedPeers()) {
        if (other === peer) continue;
        other.connection.notify('peerJoined', { peer: peer.serialize() });
        for (const producer of other.getProducers()) void peer.consume(producer);
      }
      if (ROLE_RULES[peer.role].drivesCase && this.#absenceTimer) {
        clearTimeout(this.#absenceTimer);
        this.#absenceTimer = null;
      }
      this.emit('peerJoined', peer);
      this.#recording.changed();
    });

    peer.on('newProducer', (producer) => {
      for (const other of this.joinedPeers()) if (other !== peer) void other.consume(producer);
      this.#recording.changed();
    });

    // The party's camera or microphone going ends the part (a drop); anyone else's makes a new part without it.
    peer.on('producerClosed', (producer) => this.#recording.producerClosed(producer));

    peer.on('closed', (reason) => {
      this.#peers.delete(peer.id);
      if (!peer.joined) return;
      for (const other of this.joinedPeers()) other.connection.notify('peerLeft', { peerId: peer.id, role: peer.role, reason });
      this.#logger.info(`${peer.role} left (${reason})`);
      this.emit('peerLeft', peer, reason);
      this.#recording.changed();
      if (this.#closed || !ROLE_RULES[peer.role].drivesCase) return;
      const partyStillHere = this.joinedPeers().some((p) => ROLE_RULES[p.role].drivesCase);
      if (partyStillHere) return;
      this.armAbsenceTimer();
    });
  }

  private armAbsenceTimer(): void {
    if (this.#closed || this.#absenceTimer) return;
    this.#absenceTimer = setTimeout(() => {
      this.#absenceTimer = null;
      if (!this.joinedPeers().some((p) => ROLE_RULES[p.role].drivesCase)) this.close('party_absent');
    }, this.#partyAbsenceMs);
    this.#absenceTimer.unref();
  }
}
