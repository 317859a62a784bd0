// A participant of a case's room: one signalling connection, its role, and the mediasoup objects it
// owns (WebRtcTransports → producers and consumers). Closing a peer closes its transports, which
// closes its producers and consumers (and, in the worker, the others' consumers of them).
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import { Errors } from '@kuaichu/core/errors';
import type { TransportDirection } from '@kuaichu/core/generated/types.ts';
import type { TransportSettings } from './config.ts';
import { assertUnreachable, prefixed, type MediaLogger } from './log.ts';
import { canProduce, type Admission } from './roles.ts';
import { peerStats } from './peerStats.ts';
import { turnIceServer } from './turn.ts';
import type { SignalingConnection } from './signaling/connection.ts';
import {
  CloseCode,
  type ClientRequest,
  type MediaClientResponses,
  type MediaKind,
  type MediaPeer,
  type MediaRole,
  type MediaSource,
  type MediaStats,
  type ModerationAction,
  type PeerLeftReason,
} from './signaling/messages.ts';

export type Direction = TransportDirection;
export type TransportAppData = { direction: Direction };
export type ProducerAppData = { peerId: string; role: MediaRole; source: MediaSource };
export type ConsumerAppData = { peerId: string; producerId: string };

/** What a peer asks of its room (the room answers; the peer never reaches into other peers). */
export interface PeerHost {
  /** The case, the others already in the room, and whether the call is being recorded. */
  joined(peer: Peer): { caseId: string; peers: MediaPeer[]; recording: boolean };
  /** Every producer of the room, for stats. */
  producers(): types.Producer<ProducerAppData>[];
  /** The seat (or officer) mutes or removes another participant (the room checks who may). */
  moderate(by: Peer, peerId: string, action: ModerationAction): Promise<void>;
}

export type PeerEvents = {
  /** The peer is gone, whatever the reason; emitted once. */
  closed: [reason: PeerLeftReason];
  /** The peer joined (after its `join` request). */
  joined: [];
  /** The peer started sending something; the room has the others consume it. */
  newProducer: [producer: types.Producer<ProducerAppData>];
  /** One of its producers closed (camera off, transport closed). */
  producerClosed: [producer: types.Producer<ProducerAppData>];
};

export interface PeerCreateOptions {
  admission: Admission;
  connection: SignalingConnection;
  router: types.Router;
  host: PeerHost;
  transport: TransportSettings;
  /** How long ICE may stay disconnected (waiting for an ICE restart) before the peer counts as lost. */
  iceGraceMs: number;
  logger: MediaLogger;
}

const KIND_OF: Record<MediaSource, MediaKind> = { camera: 'video', microphone: 'audio' };

export class Peer extends EventEmitter<PeerEvents> {
  readonly #id: string;
  readonly #admission: Admission;
  readonly #connection: SignalingConnection;
  readonly #router: types.Router;
  readonly #host: PeerHost;
  readonly #transportSettings: TransportSettings;
  readonly #iceGraceMs: number;
  readonly #logger: MediaLogger;
  readonly #transports = new Map<string, types.WebRtcTransport<TransportAppData>>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, types.Consumer<ConsumerAppData>>();
  readonly #iceTimers = new Map<string, NodeJS.Timeout>();
  /** Producers to consume once a recv transport exists. */
  readonly #waiting = new Set<types.Producer<ProducerAppData>>();
  #rtpCapabilities: types.RtpCapabilities | null = null;
  #joined = false;
  #closed = false;

  static create(opts: PeerCreateOptions): Peer {
    return new Peer(opts);
  }

  private constructor({ admission, connection, router, host, transport, iceGraceMs, logger }: PeerCreateOptions) {
    super();
    this.#id = randomUUID();
    this.#admission = admission;
    this.#connection = connection;
    this.#router = router;
    this.#host = host;
    this.#transportSettings = transport;
    this.#iceGraceMs = iceGraceMs;
    this.#logger = prefixed(logger, `[peer:${this.#id.slice(0, 8)} ${admission.role}]`);
    this.handleConnection();
  }

  get id(): string {
    return this.#id;
  }

  get role(): MediaRole {
    return this.#admission.role;
  }

  get identity(): string {
    return this.#admission.identity;
  }

  get displayName(): string {
    return this.#admission.displayName;
  }

  /** Tracks this participant receives now (for the worker's load in /metrics). */
  get consumerCount(): number {
    return this.#consumers.size;
  }

  get joined(): boolean {
    return this.#joined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connection(): SignalingConnection {
    return this.#connection;
  }

  serialize(): MediaPeer {
    return { peerId: this.#id, role: this.#admission.role, displayName: this.#admission.displayName };
  }

  getProducers(): types.Producer<ProducerAppData>[] {
    return [...this.#producers.values()];
  }

  producerOf(source: MediaSource): types.Producer<ProducerAppData> | undefined {
    return this.getProducers().find((p) => p.appData.source === source && !p.closed);
  }

  getTransports(): types.WebRtcTransport<TransportAppData>[] {
    return [...this.#transports.values()];
  }

  /**
   * The seat muted this participant (its microphone producer is paused: nobody receives it) or
   * removed it (closed with 4002). It is told first, so its screen can say so.
   */
  async moderated(action: ModerationAction): Promise<void> {
    this.#connection.notify('moderated', { action });
    if (action === 'remove') return this.close('removed');
    const mic = this.producerOf('microphone');
    if (mic && !mic.paused) await mic.pause();
  }

  /** Closes everything the peer owns and its socket; idempotent. */
  close(reason: PeerLeftReason, code?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#logger.debug(`close (${reason})`);
    for (const t of this.#iceTimers.values()) clearTimeout(t);
    this.#iceTimers.clear();
    this.#waiting.clear();
    for (const t of this.#transports.values()) t.close();
    this.#connection.close(code ?? (reason === 'replaced' ? CloseCode.replaced : reason === 'removed' ? CloseCode.removed : CloseCode.roomClosed), reason);
    this.emit('closed', reason);
  }

  /**
   * Has this peer receive `producer`: the consumer starts paused, the client is told (newConsumer)
   * and, once it answered, the consumer is resumed and a key frame requested.
   */
  async consume(producer: types.Producer<ProducerAppData>): Promise<void> {
    if (this.#closed || producer.closed || producer.appData.peerId === this.#id) return;
    const transport = this.getTransports().find((t) => t.appData.direction === 'recv');
    if (!transport || !this.#rtpCapabilities) {
      this.#waiting.add(producer);
      return;
    }
    if (!this.#router.canConsume({ producerId: producer.id, rtpCapabilities: this.#rtpCapabilities })) {
      this.#logger.warn(`cannot consume ${producer.kind} of ${producer.appData.role}: no common codec`);
      return;
    }
    let consumer: types.Consumer<ConsumerAppData>;
    try {
      consumer = await transport.consume<ConsumerAppData>({
        producerId: producer.id,
        rtpCapabilities: this.#rtpCapabilities,
        paused: true,
        enableRtx: true,
        ignoreDtx: true,
        appData: { peerId: producer.appData.peerId, producerId: producer.id },
      });
    } catch (err) {
      this.#logger.warn(`consume failed: ${(err as Error).message}`);
      return;
    }
    this.#consumers.set(consumer.id, consumer);
    this.handleConsumer(consumer);
    try {
      await this.#connection.request('newConsumer', {
        peerId: producer.appData.peerId,
        role: producer.appData.role,
        producerId: producer.id,
        consumerId: consumer.id,
        kind: consumer.kind,
        source: producer.appData.source,
        rtpParameters: consumer.rtpParameters as never,
        producerPaused: consumer.producerPaused,
      });
      if (consumer.closed) return;
      await consumer.resume();
      if (consumer.kind === 'video') await consumer.requestKeyFrame().catch(() => {});
    } catch (err) {
      this.#logger.warn(`newConsumer not taken: ${(err as Error).message}`);
      consumer.close();
      this.#consumers.delete(consumer.id);
    }
  }

  /** The caller's transports and consumers (and every producer of the room), for its console. */
  stats(): Promise<MediaStats> {
    return peerStats(this.#transports.values(), this.#host.producers(), this.#consumers.values());
  }

  private handleConnection(): void {
    this.#connection.on('close', () => this.close('socket_closed'));
    // Requests that arrived early are served once the room has attached its listeners.
    queueMicrotask(() => this.#connection.serve((request) => this.handleRequest(request)));
  }

  private async handleRequest(request: ClientRequest): Promise<MediaClientResponses[ClientRequest['method']]> {
    if (this.#closed) throw Errors.unavailable('the participant has left');
    switch (request.method) {
      case 'getRouterRtpCapabilities':
        return { rtpCapabilities: this.#router.rtpCapabilities as never };
      case 'join': {
        if (this.#joined) throw Errors.validation('already joined');
        this.#rtpCapabilities = request.data.rtpCapabilities as unknown as types.RtpCapabilities;
        this.#joined = true;
        const { caseId, peers, recording } = this.#host.joined(this);
        this.#logger.info(`joined (${request.data.device ?? 'unknown device'}); ${peers.length} other(s) in the room`);
        this.emit('joined');
        return { peerId: this.#id, role: this.role, caseId, peers, recording };
      }
      case 'createWebRtcTransport': {
        const { direction } = request.data;
        const existing = this.getTransports().find((t) => t.appData.direction === direction);
        if (existing) existing.close();
        const t = await this.#router.createWebRtcTransport<TransportAppData>({
          listenInfos: [
            { protocol: 'udp', ip: this.#transportSettings.listenIp, ...(this.#transportSettings.announcedAddress ? { announcedAddress: this.#transportSettings.announcedAddress } : {}) },
            { protocol: 'tcp', ip: this.#transportSettings.listenIp, ...(this.#transportSettings.announcedAddress ? { announcedAddress: this.#transportSettings.announcedAddress } : {}) },
          ],
          enableUdp: true,
          enableTcp: true,
          preferUdp: true,
          iceConsentTimeout: 15,
          initialAvailableOutgoingBitrate: this.#transportSettings.initialAvailableOutgoingBitrate,
          appData: { direction },
        });
        if (this.#closed) {
          t.close();
          throw Errors.unavailable('the participant has left');
        }
        this.#transports.set(t.id, t);
        this.handleTransport(t);
        if (direction === 'send') await t.setMaxIncomingBitrate(this.#transportSettings.maxIncomingBitrate).catch(() => {});
        if (direction === 'recv' && this.#joined) queueMicrotask(() => this.consumeWaiting());
        return {
          transportId: t.id,
          iceParameters: t.iceParameters as never,
          iceCandidates: t.iceCandidates as never,
          dtlsParameters: t.dtlsParameters as never,
          // Fresh time-limited TURN credentials with every transport (a rejoin gets new ones). The
          // username names the participant by its random peer id and role, never its identity (a
          // party's is a phone number, and coturn logs usernames).
          ...(this.#transportSettings.turn ? { iceServers: [turnIceServer(this.#transportSettings.turn, `${this.role}-${this.#id}`)] } : {}),
          ...(this.#transportSettings.turn?.policy === 'relay' ? { iceTransportPolicy: 'relay' as const } : {}),
        };
      }
      case 'connectTransport': {
        await this.transport(request.data.transportId).connect({ dtlsParameters: request.data.dtlsParameters as unknown as types.DtlsParameters });
        if (this.#joined) queueMicrotask(() => this.consumeWaiting());
        return {};
      }
      case 'restartIce': {
        const iceParameters = await this.transport(request.data.transportId).restartIce();
        this.#logger.info(`ICE restart on ${request.data.transportId.slice(0, 8)}`);
        return { iceParameters: iceParameters as never };
      }
      case 'produce': {
        const { transportId, kind, rtpParameters, source } = request.data;
        if (!this.#joined) throw Errors.validation('join first');
        if (!canProduce(this.role, source)) throw Errors.forbidden(`a ${this.role} does not send ${source}`);
        if (KIND_OF[source] !== kind) throw Errors.validation(`${source} is ${KIND_OF[source]}, not ${kind}`);
        if (this.producerOf(source)) throw Errors.validation(`already sending ${source}; replace the track instead`);
        const t = this.transport(transportId);
        if (t.appData.direction !== 'send') throw Errors.validation('produce on the send transport');
        const producer = await t.produce<ProducerAppData>({
          kind,
          rtpParameters: rtpParameters as unknown as types.RtpParameters,
          appData: { peerId: this.#id, role: this.role, source },
        });
        this.#producers.set(producer.id, producer);
        producer.observer.once('close', () => {
          this.#producers.delete(producer.id);
          this.emit('producerClosed', producer);
        });
        this.#logger.info(`producing ${source}`);
        this.emit('newProducer', producer);
        return { producerId: producer.id };
      }
      case 'closeProducer':
        this.producer(request.data.producerId).close();
        return {};
      case 'pauseProducer':
        await this.producer(request.data.producerId).pause();
        return {};
      case 'resumeProducer':
        await this.producer(request.data.producerId).resume();
        return {};
      case 'getStats':
        return this.stats();
      case 'leave':
        // Answer first, then go: the client sees its request succeed.
        setImmediate(() => this.close('left'));
        return {};
      case 'moderate':
        if (!this.#joined) throw Errors.validation('join first');
        await this.#host.moderate(this, request.data.peerId, request.data.action);
        return {};
      default:
        return assertUnreachable('signalling method', request);
    }
  }

  private consumeWaiting(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const p of waiting) void this.consume(p);
  }

  private handleTransport(t: types.WebRtcTransport<TransportAppData>): void {
    t.on('icestatechange', (state) => {
      this.#logger.debug(`${t.appData.direction} ICE ${state}`);
      const timer = this.#iceTimers.get(t.id);
      if (state === 'disconnected' && !timer) {
        // Give the client time to restart ICE (network change) before counting the peer as lost.
        this.#iceTimers.set(t.id, setTimeout(() => {
          this.#iceTimers.delete(t.id);
          if (t.iceState === 'disconnected') {
            this.#logger.warn(`${t.appData.direction} transport lost ICE for ${this.#iceGraceMs} ms`);
            this.close('ice_lost');
          }
        }, this.#iceGraceMs));
      } else if ((state === 'connected' || state === 'completed') && timer) {
        clearTimeout(timer);
        this.#iceTimers.delete(t.id);
      } else if (state === 'closed') {
        this.close('ice_lost');
      }
    });
    t.on('dtlsstatechange', (state) => {
      this.#logger.debug(`${t.appData.direction} DTLS ${state}`);
      if (state === 'failed' || state === 'closed') this.close('dtls_closed');
    });
    t.observer.once('close', () => {
      this.#transports.delete(t.id);
      const timer = this.#iceTimers.get(t.id);
      if (timer) clearTimeout(timer);
      this.#iceTimers.delete(t.id);
    });
  }

  private handleConsumer(c: types.Consumer<ConsumerAppData>): void {
    c.on('transportclose', () => this.#consumers.delete(c.id));
    c.on('producerclose', () => {
      this.#consumers.delete(c.id);
      this.#connection.notify('consumerClosed', { consumerId: c.id });
    });
    c.on('producerpause', () => this.#connection.notify('consumerPaused', { consumerId: c.id }));
    c.on('producerresume', () => this.#connection.notify('consumerResumed', { consumerId: c.id }));
  }

  private transport(id: string): types.WebRtcTransport<TransportAppData> {
    const t = this.#transports.get(id);
    if (!t) throw Errors.notFound(`no transport ${id}`);
    return t;
  }

  private producer(id: string): types.Producer<ProducerAppData> {
    const p = this.#producers.get(id);
    if (!p) throw Errors.notFound(`no producer ${id}`);
    return p;
  }
}
