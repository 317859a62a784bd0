// A participant of a case's video call, in the browser: the party's phone page and the seat's
// console (issue 5's web apps) both use this. It opens the case's media socket (the session cookie
// authorises it), loads mediasoup-client's Device, creates a send and a receive transport, joins,
// sends the given tracks, and receives everyone else's. Camera switch is `replaceTrack` on the same
// producer: nothing is renegotiated and the call stays up.
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { MediaPeer, MediaRole, MediaSource, MediaStats, PeerLeftReason } from '@kuaichu/core/generated/types.ts';
import { Emitter } from './emitter.ts';
import { Signaling, SignalingError, type Notification, type ServerRequest } from './signaling.ts';

/** mediasoup-client's probation stream (padding only, SSRC 1234): not media, left out of stats. */
export const PROBATOR_SSRC = 1234;

export interface RemoteTrack {
  consumerId: string;
  producerId: string;
  peerId: string;
  role: MediaRole;
  source: MediaSource;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
  paused: boolean;
}

export type MediaClientEvents = {
  peerJoined: [peer: MediaPeer];
  peerLeft: [info: { peerId: string; role: MediaRole; reason: PeerLeftReason }];
  /** A new remote track (the server's newConsumer). */
  track: [track: RemoteTrack];
  trackEnded: [track: RemoteTrack];
  trackPaused: [track: RemoteTrack, paused: boolean];
  /** Recording (全程录像) started or stopped: show it. */
  recording: [active: boolean];
  /**
   * The seat muted this participant (their microphone is paused, here and at the server; they may
   * unmute) or removed them (the socket closes next with 4002): say so on the screen.
   */
  moderated: [action: 'mute' | 'remove'];
  /** A transport's connection state (new, connecting, connected, disconnected, failed, closed). */
  connection: [direction: 'send' | 'recv', state: string];
  /** The room closed or the socket dropped; code 4000 = the call ended, 4001 = replaced, … */
  closed: [info: { code: number; reason: string }];
};

export interface JoinOptions {
  /** ws(s)://host/api/cases/:id/media */
  url: string;
  /** Tracks to send at once. */
  camera?: MediaStreamTrack | undefined;
  microphone?: MediaStreamTrack | undefined;
  /** Receive the others' media (default true). */
  receive?: boolean;
  /** For the server's logs. */
  device?: string;
  /**
   * 'relay' sends everything through the TURN servers the server hands out (tests; a network
   * that only lets TURN through). Default: what the server says with each transport
   * (KUAICHU_TURN_POLICY), else 'all'.
   */
  iceTransportPolicy?: 'all' | 'relay';
  /** Restart ICE by itself when a transport fails or stays disconnected (default true). */
  autoIceRestart?: boolean;
  /**
   * Send the camera as simulcast layers (`simulcastLayers`: ½ and full size, or ¼, ½ and full
   * from 960×540 up). For the party at the
   * roadside: when the uplink weakens, the browser stops the upper layers and the server forwards
   * the best layer that still arrives, instead of one stream that freezes. Default false.
   */
  simulcast?: boolean;
  /**
   * Called with the client before it joins: attach listeners here. The others' tracks arrive
   * while `join` is still running, so a listener attached after it would miss them.
   */
  listen?: (client: MediaClient) => void;
}

/**
 * The camera's simulcast layers for a track `height` pixels high, lowest first (mediasoup's
 * spatial layers). Chromium sends at most two layers below 960×540 and one below 480×270, so
 * the layers follow the camera: the lowest fits a 300 kbit/s roadside uplink with voice; the
 * browser drops the upper ones as its bandwidth estimate falls and brings them back as it
 * recovers. Undefined: too small to split, one stream.
 */
export function simulcastLayers(height: number): Array<{ scaleResolutionDownBy: number; maxBitrate: number; maxFramerate: number }> | undefined {
  if (height >= 540) {
    return [
      { scaleResolutionDownBy: 4, maxBitrate: 120_000, maxFramerate: 15 },
      { scaleResolutionDownBy: 2, maxBitrate: 450_000, maxFramerate: 30 },
      { scaleResolutionDownBy: 1, maxBitrate: 1_500_000, maxFramerate: 30 },
    ];
  }
  if (height >= 270) {
    return [
      { scaleResolutionDownBy: 2, maxBitrate: 180_000, maxFramerate: 15 },
      { scaleResolutionDownBy: 1, maxBitrate: 900_000, maxFramerate: 30 },
    ];
  }
  return undefined;
}

function simulcastOf(track: MediaStreamTrack): { encodings: types.RtpEncodingParameters[]; codecOptions: types.ProducerCodecOptions } | Record<string, never> {
  const encodings = simulcastLayers(track.getSettings().height ?? 0);
  return encodings ? { encodings, codecOptions: { videoGoogleStartBitrate: 1000 } } : {};
}

export interface InboundSample {
  videoBytes: number;
  audioBytes: number;
  framesDecoded: number;
  videoPackets: number;
  videoPacketsLost: number;
  audioPackets: number;
  audioPacketsLost: number;
}

export class MediaClient extends Emitter<MediaClientEvents> {
  readonly #signaling: Signaling;
  readonly #device: Device;
  readonly #send: types.Transport | null;
  readonly #recv: types.Transport | null;
  readonly #producers = new Map<MediaSource, types.Producer>();
  readonly #consumers = new Map<string, { consumer: types.Consumer; remote: RemoteTrack }>();
  readonly #peers = new Map<string, MediaPeer>();
  readonly #autoIceRestart: boolean;
  readonly #simulcast: boolean;
  #peerId = '';
  #role: MediaRole = 'party_a';
  #caseId = '';
  #recording = false;
  #closed = false;

  static async join(opts: JoinOptions): Promise<MediaClient> {
    const signaling = await Signaling.open(opts.url);
    try {
      const { rtpCapabilities } = await signaling.request('getRouterRtpCapabilities', {});
      const device = new Device();
      await device.load({ routerRtpCapabilities: rtpCapabilities as unknown as types.RtpCapabilities });
      const sending = Boolean(opts.camera || opts.microphone);
      const receiving = opts.receive ?? true;
      const params = async (direction: 'send' | 'recv') => {
        const t = await signaling.request('createWebRtcTransport', { direction });
        // TURN servers with this participant's time-limited credentials, when the server has TURN,
        // and the server's policy for them ('relay': everything through TURN) unless the caller chose one.
        const policy = opts.iceTransportPolicy ?? t.iceTransportPolicy;
        const ice = { ...(t.iceServers ? { iceServers: t.iceServers } : {}), ...(policy ? { iceTransportPolicy: policy } : {}) };
        return { id: t.transportId, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters, ...ice } as unknown as types.TransportOptions;
      };
      const send = sending ? device.createSendTransport(await params('send')) : null;
      const recv = receiving ? device.createRecvTransport(await params('recv')) : null;
      const client = new MediaClient(signaling, device, send, recv, opts.autoIceRestart ?? true, opts.simulcast ?? false);
      opts.listen?.(client);
      const joined = await signaling.request('join', { rtpCapabilities: device.rtpCapabilities as never, device: opts.device ?? navigator.userAgent.slice(0, 120) });
      client.#peerId = joined.peerId;
      client.#role = joined.role;
      client.#caseId = joined.caseId;
      client.#recording = joined.recording;
      for (const p of joined.peers) client.#peers.set(p.peerId, p);
      if (opts.camera) await client.send('camera', opts.camera);
      if (opts.microphone) await client.send('microphone', opts.microphone);
      return client;
    } catch (err) {
      signaling.close();
      throw err;
    }
  }

  private constructor(signaling: Signaling, device: Device, send: types.Transport | null, recv: types.Transport | null, autoIceRestart: boolean, simulcast: boolean) {
    super();
    this.#simulcast = simulcast;
    this.#signaling = signaling;
    this.#device = device;
    this.#send = send;
    this.#recv = recv;
    this.#autoIceRestart = autoIceRestart;
    for (const t of [send, recv]) if (t) this.handleTransport(t);
    signaling.serve((r) => this.handleServerRequest(r));
    signaling.on('notification', (n) => this.handleNotification(n));
    signaling.on('close', (code, reason) => {
      this.teardown();
      this.emit('closed', { code, reason });
    });
  }

  get peerId(): string {
    return this.#peerId;
  }

  get role(): MediaRole {
    return this.#role;
  }

  get caseId(): string {
    return this.#caseId;
  }

  get recording(): boolean {
    return this.#recording;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The others in the room. */
  peers(): MediaPeer[] {
    return [...this.#peers.values()];
  }

  remoteTracks(): RemoteTrack[] {
    return [...this.#consumers.values()].map((c) => c.remote);
  }

  producerId(source: MediaSource): string | undefined {
    return this.#producers.get(source)?.id;
  }

  /** Starts sending the camera or the microphone. */
  async send(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    if (!this.#send) throw new Error('this client was joined without sending');
    if (this.#producers.has(source)) return this.replaceTrack(source, track);
    const producer = await this.#send.produce({
      track,
      appData: { source },
      stopTracks: false,
      ...(source === 'microphone' ? { codecOptions: { opusStereo: false, opusDtx: false, opusFec: true } } : {}),
      ...(source === 'camera' && this.#simulcast ? simulcastOf(track) : {}),
    });
    this.#producers.set(source, producer);
  }

  /** Camera switch (front ↔ back) or a new microphone: the same producer, a new track, no renegotiation. */
  async replaceTrack(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) throw new Error(`not sending ${source}`);
    await producer.replaceTrack({ track });
  }

  /** Mute or unmute (the others see the track paused). */
  /** The seat (or officer) mutes another participant's microphone or removes them from the room. */
  async moderate(peerId: string, action: 'mute' | 'remove'): Promise<void> {
    await this.#signaling.request('moderate', { peerId, action });
  }

  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.#signaling.request(paused ? 'pauseProducer' : 'resumeProducer', { producerId: producer.id });
  }

  /** New ICE credentials for both transports (after a network change, while the socket lives). */
  async restartIce(): Promise<void> {
    for (const t of [this.#send, this.#recv]) {
      if (!t || t.closed) continue;
      const { iceParameters } = await this.#signaling.request('restartIce', { transportId: t.id });
      await t.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
    }
  }

  /** Room stats from the server: bitrate, loss and RTT of every stream. */
  stats(): Promise<MediaStats> {
    return this.#signaling.request('getStats', {});
  }

  /** What this browser receives, summed per kind (the probation stream left out). */
  async inbound(): Promise<InboundSample> {
    const out: InboundSample = { videoBytes: 0, audioBytes: 0, framesDecoded: 0, videoPackets: 0, videoPacketsLost: 0, audioPackets: 0, audioPacketsLost: 0 };
    if (!this.#recv || this.#recv.closed) return out;
    const report = await this.#recv.getStats();
    report.forEach((s: { type: string; ssrc?: number; kind?: string; bytesReceived?: number; framesDecoded?: number; packetsReceived?: number; packetsLost?: number }) => {
      if (s.type !== 'inbound-rtp' || s.ssrc === PROBATOR_SSRC) return;
      if (s.kind === 'video') {
        out.videoBytes += s.bytesReceived ?? 0;
        out.framesDecoded += s.framesDecoded ?? 0;
        out.videoPackets += s.packetsReceived ?? 0;
        out.videoPacketsLost += s.packetsLost ?? 0;
      } else if (s.kind === 'audio') {
        out.audioBytes += s.bytesReceived ?? 0;
        out.audioPackets += s.packetsReceived ?? 0;
        out.audioPacketsLost += s.packetsLost ?? 0;
      }
    });
    return out;
  }

  /**
   * What this browser receives from each remote track (a room of six: is every other participant's
   * video decoded here?): per consumer, its role and kind, bytes, packets, losses and, for video,
   * frames decoded.
   */
  async inboundByTrack(): Promise<Array<{ peerId: string; role: MediaRole; kind: 'audio' | 'video'; bytes: number; packets: number; packetsLost: number; framesDecoded: number }>> {
    const out = [];
    for (const { consumer, remote } of this.#consumers.values()) {
      if (consumer.closed) continue;
      const row = { peerId: remote.peerId, role: remote.role, kind: remote.kind, bytes: 0, packets: 0, packetsLost: 0, framesDecoded: 0 };
      (await consumer.getStats()).forEach((s: { type: string; bytesReceived?: number; framesDecoded?: number; packetsReceived?: number; packetsLost?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        row.bytes += s.bytesReceived ?? 0;
        row.packets += s.packetsReceived ?? 0;
        row.packetsLost += s.packetsLost ?? 0;
        row.framesDecoded += s.framesDecoded ?? 0;
      });
      out.push(row);
    }
    return out;
  }

  /** Hangs up: the server is told (for a party this interrupts the case, which 继续处理 resumes). */
  async leave(): Promise<void> {
    if (this.#closed) return;
    await this.#signaling.request('leave', {}).catch(() => {});
    this.close();
  }

  /** Closes the socket and transports at once (as if the network went). */
  close(): void {
    this.teardown();
    this.#signaling.close(1000, 'bye');
  }

  private teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#send?.close();
    this.#recv?.close();
    for (const { remote } of this.#consumers.values()) remote.track.stop();
    this.#consumers.clear();
  }

  private handleTransport(t: types.Transport): void {
    t.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.#signaling.request('connectTransport', { transportId: t.id, dtlsParameters: dtlsParameters as never }).then(() => ok(), fail);
    });
    if (t.direction === 'send') {
      t.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
        const source = (appData as { source?: MediaSource }).source ?? (kind === 'video' ? 'camera' : 'microphone');
        this.#signaling.request('produce', { transportId: t.id, kind, rtpParameters: rtpParameters as never, source }).then(({ producerId }) => ok({ id: producerId }), fail);
      });
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    t.on('connectionstatechange', (state) => {
      this.emit('connection', t.direction, state);
      if (!this.#autoIceRestart || this.#closed) return;
      if (timer) clearTimeout(timer);
      timer = null;
      if (state === 'failed') void this.restartIce().catch(() => {});
      if (state === 'disconnected') timer = setTimeout(() => t.connectionState === 'disconnected' && void this.restartIce().catch(() => {}), 2000);
    });
  }

  private async handleServerRequest(r: ServerRequest): Promise<Record<string, never>> {
    switch (r.method) {
      case 'newConsumer': {
        if (!this.#recv) throw new SignalingError('KC_VALIDATION', 'not receiving');
        const d = r.data;
        const consumer = await this.#recv.consume({ id: d.consumerId, producerId: d.producerId, kind: d.kind, rtpParameters: d.rtpParameters as unknown as types.RtpParameters });
        const remote: RemoteTrack = { consumerId: consumer.id, producerId: d.producerId, peerId: d.peerId, role: d.role, source: d.source, kind: d.kind, track: consumer.track, paused: d.producerPaused };
        this.#consumers.set(consumer.id, { consumer, remote });
        this.emit('track', remote);
        return {};
      }
    }
  }

  private handleNotification(n: Notification): void {
    switch (n.method) {
      case 'peerJoined':
        this.#peers.set(n.data.peer.peerId, n.data.peer);
        this.emit('peerJoined', n.data.peer);
        return;
      case 'peerLeft':
        this.#peers.delete(n.data.peerId);
        this.emit('peerLeft', n.data);
        return;
      case 'consumerClosed': {
        const c = this.#consumers.get(n.data.consumerId);
        if (!c) return;
        this.#consumers.delete(n.data.consumerId);
        c.consumer.close();
        this.emit('trackEnded', c.remote);
        return;
      }
      case 'consumerPaused':
      case 'consumerResumed': {
        const c = this.#consumers.get(n.data.consumerId);
        if (!c) return;
        c.remote.paused = n.method === 'consumerPaused';
        this.emit('trackPaused', c.remote, c.remote.paused);
        return;
      }
      case 'recording':
        this.#recording = n.data.active;
        this.emit('recording', n.data.active);
        return;
      case 'roomClosed':
        return; // the socket closes next (code 4000), which ends the client
      case 'moderated':
        if (n.data.action === 'mute') this.#producers.get('microphone')?.pause();
        this.emit('moderated', n.data.action);
        return;
    }
  }

  /** The device's capabilities (e.g. to tell whether it can send VP8). */
  get device(): Device {
    return this.#device;
  }
}
