/**
 * The seat's side of the video call: joins the case's media room (the seat may send its
 * microphone and, if it wants, its camera; the party sends both), keeps the party's tracks for
 * the video element, samples the room's stats for the console (bitrate, loss, RTT), records
 * short clips from the party's video, and rejoins by itself when the socket drops while the
 * case is still on the call. Nothing here knows about the page: CallView renders it.
 */
import { FINAL_CLOSE_CODES, MediaClient, mediaUrl, REJOIN_ATTEMPTS, rejoinDelay, type RemoteTrack } from '@kuaichu/plugin-media-mediasoup/client';
import type { MediaStats } from '@kuaichu/core/generated/types.ts';

export type CallPhase = 'joining' | 'waiting' | 'live' | 'partyLeft' | 'ended' | 'failed';

export interface CallStats {
  videoKbps: number | null;
  audioKbps: number | null;
  lossPercent: number | null;
  rttMs: number | null;
  width: number;
  height: number;
  transport: string;
}

/**
 * Close codes after which rejoining is pointless: the call ended, another tab took over, removed,
 * not a member. Anything else (1006: the process hosting the room died; 1012: it is shutting down)
 * is rejoined with backoff, and the balancer sends the new socket to a live process (client/rejoin.ts).
 */
const FINAL_CODES = FINAL_CLOSE_CODES;

export class SeatMedia {
  phase = $state<CallPhase>('joining');
  video = $state<MediaStreamTrack | null>(null);
  audio = $state<MediaStreamTrack | null>(null);
  /** Every remote track of the room (the party's and the invited participants': party B, insurer, repair shop, mediator). */
  remote = $state<RemoteTrack[]>([]);
  /** Display names of the room's participants by peer id. */
  names = $state<Record<string, string>>({});
  /** The peer shown large (party A; party B when A is not in the room). */
  mainPeer = $state<string | null>(null);
  /** The room's other participants, shown as tiles beside the party's video. */
  get others(): RemoteTrack[] {
    return this.remote.filter((r) => r.peerId !== this.mainPeer);
  }
  recording = $state(false);
  micOn = $state(false);
  camOn = $state(false);
  /** Why the mic could not be opened (the seat still hears and sees the party). */
  micProblem = $state<string | null>(null);
  stats = $state<CallStats | null>(null);
  closeCode = $state<number | null>(null);
  error = $state<string | null>(null);

  #caseId: string;
  #client: MediaClient | null = null;
  #mic: MediaStreamTrack | null = null;
  #cam: MediaStreamTrack | null = null;
  #stopped = false;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #retry = 0;
  #clip: { recorder: MediaRecorder; chunks: Blob[]; started: number; done: Promise<Blob> } | null = null;
  clipStartedAt = $state<number | null>(null);

  constructor(caseId: string) {
    this.#caseId = caseId;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    if (!this.#mic) {
      try {
        const s = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true }, video: false });
        this.#mic = s.getAudioTracks()[0] ?? null;
        this.micOn = Boolean(this.#mic);
      } catch (err) {
        this.micProblem = (err as Error).name || 'NotAllowedError';
      }
    }
    await this.#join();
    this.#statsTimer = setInterval(() => void this.#sample(), 2000);
  }

  async #join(): Promise<void> {
    if (this.#stopped) return;
    this.phase = 'joining';
    this.error = null;
    try {
      const client = await MediaClient.join({
        url: mediaUrl(this.#caseId),
        microphone: this.#mic ?? undefined,
        camera: this.camOn && this.#cam ? this.#cam : undefined,
        device: 'kuaichu seat console',
        listen: (c) => this.#listen(c),
      });
      if (this.#stopped) return client.close();
      this.#client = client;
      this.#retry = 0;
      for (const p of client.peers()) this.names = { ...this.names, [p.peerId]: p.displayName };
      this.recording = client.recording;
      if (!this.video) this.phase = client.peers().some((p) => p.role === 'party_a') ? 'live' : 'waiting';
      if (this.#mic && !this.micOn) await client.setPaused('microphone', true);
      // The camera may have been switched on while the join was under way: send it now.
      if (this.camOn && this.#cam && !client.producerId('camera')) await client.send('camera', this.#cam);
    } catch (err) {
      this.error = (err as Error).message;
      this.#scheduleRejoin();
    }
  }

  #listen(c: MediaClient): void {
    c.on('track', (r) => this.#track(r));
    c.on('trackEnded', (r) => {
      this.remote = this.remote.filter((x) => x.consumerId !== r.consumerId);
      if (r.track === this.video) this.video = null;
      if (r.track === this.audio) this.audio = null;
    });
    // A fresh object: the client mutates `paused` on its own, which this $state copy would not see.
    c.on('trackPaused', (r) => (this.remote = this.remote.map((x) => (x.consumerId === r.consumerId ? { ...r } : x))));
    c.on('peerJoined', (p) => {
      this.names = { ...this.names, [p.peerId]: p.displayName };
      if (p.role === 'party_a' && this.phase !== 'live') this.phase = 'waiting';
    });
    c.on('peerLeft', (p) => {
      this.remote = this.remote.filter((x) => x.peerId !== p.peerId);
      if (p.peerId !== this.mainPeer) return;
      this.mainPeer = null;
      this.video = null;
      this.audio = null;
      this.phase = 'partyLeft';
    });
    c.on('recording', (active) => (this.recording = active));
    c.on('closed', ({ code }) => {
      if (this.#client === c) this.#client = null;
      this.video = null;
      this.audio = null;
      this.remote = [];
      this.mainPeer = null;
      this.closeCode = code;
      if (this.#stopped) return;
      if (FINAL_CODES.has(code)) this.phase = 'ended';
      else this.#scheduleRejoin();
    });
  }

  #track(r: RemoteTrack): void {
    this.remote = [...this.remote.filter((x) => x.consumerId !== r.consumerId), r];
    if (r.role !== 'party_a' && r.role !== 'party_b') return;
    // Party A is shown large; party B only while A is not there (then A takes the stage back).
    if (r.role === 'party_b' && this.mainPeer && this.mainPeer !== r.peerId) return;
    if (r.role === 'party_a' && this.mainPeer !== r.peerId) {
      this.video = null;
      this.audio = null;
    }
    this.mainPeer = r.peerId;
    if (r.kind === 'video') this.video = r.track;
    else this.audio = r.track;
    this.phase = 'live';
  }

  #scheduleRejoin(): void {
    if (this.#stopped) return;
    if (this.#retry >= REJOIN_ATTEMPTS) {
      this.phase = 'failed';
      return;
    }
    this.phase = 'joining';
    const delay = rejoinDelay(this.#retry++);
    setTimeout(() => void this.#join(), delay);
  }

  /** Try again now (after a failure the seat clicked "reconnect"). */
  retry(): void {
    this.#retry = 0;
    void this.#join();
  }

  async #sample(): Promise<void> {
    const c = this.#client;
    if (!c || c.closed) return;
    try {
      this.stats = summarise(await c.stats(), this.video);
    } catch {
      /* a sample lost is no news */
    }
  }

  /** Mutes a participant's microphone (paused at the server) or removes them from the room (they cannot come back). */
  async moderate(peerId: string, action: 'mute' | 'remove'): Promise<void> {
    try {
      await this.#client?.moderate(peerId, action);
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  async toggleMic(): Promise<void> {
    if (!this.#mic) return;
    this.micOn = !this.micOn;
    this.#mic.enabled = this.micOn;
    await this.#client?.setPaused('microphone', !this.micOn).catch(() => {});
  }

  /** The seat's own camera is optional: off by default, the party sees only the voice. */
  async toggleCam(): Promise<void> {
    if (this.camOn) {
      this.camOn = false;
      await this.#client?.setPaused('camera', true).catch(() => {});
      return;
    }
    try {
      if (!this.#cam || this.#cam.readyState === 'ended') {
        const s = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: false });
        this.#cam = s.getVideoTracks()[0] ?? null;
      }
      if (!this.#cam) return;
      this.camOn = true;
      const c = this.#client;
      if (c?.producerId('camera')) await c.setPaused('camera', false);
      else await c?.send('camera', this.#cam);
    } catch (err) {
      this.camOn = false;
      this.error = (err as Error).message;
    }
  }

  get clipping(): boolean {
    return this.clipStartedAt !== null;
  }

  /** Starts recording a clip of the party's video (vehicle angles); stopClip gives the WebM. */
  startClip(): void {
    if (!this.video || this.#clip) return;
    const stream = new MediaStream([this.video]);
    const mimeType = ['video/webm;codecs=vp8', 'video/webm'].find((m) => MediaRecorder.isTypeSupported(m));
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    const chunks: Blob[] = [];
    const done = new Promise<Blob>((resolve) => {
      recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      recorder.onstop = () => resolve(new Blob(chunks, { type: 'video/webm' }));
    });
    recorder.start(250);
    this.#clip = { recorder, chunks, started: performance.now(), done };
    this.clipStartedAt = performance.now();
  }

  async stopClip(): Promise<Blob | null> {
    const clip = this.#clip;
    if (!clip) return null;
    this.#clip = null;
    this.clipStartedAt = null;
    if (clip.recorder.state !== 'inactive') clip.recorder.stop();
    return clip.done;
  }

  /** Hangs up at this seat (the case's state is the API's business, not the media's). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#statsTimer);
    if (this.#clip?.recorder.state === 'recording') this.#clip.recorder.stop();
    this.#clip = null;
    this.clipStartedAt = null;
    const c = this.#client;
    this.#client = null;
    if (c) void c.leave();
    this.#mic?.stop();
    this.#cam?.stop();
    this.#mic = null;
    this.#cam = null;
    this.video = null;
    this.audio = null;
    this.remote = [];
    this.mainPeer = null;
  }
}

/** The figures a seat watches: the party's video as the server receives it, and the round trip. */
export function summarise(s: MediaStats, video: MediaStreamTrack | null): CallStats {
  const party = s.producers.filter((p) => p.role === 'party_a' || p.role === 'party_b');
  const v = party.find((p) => p.kind === 'video');
  const a = party.find((p) => p.kind === 'audio');
  const rtts = s.consumers.map((c) => c.roundTripTime).filter((x): x is number => typeof x === 'number');
  const settings = video?.getSettings();
  return {
    videoKbps: v ? Math.round(v.bitrate / 1000) : null,
    audioKbps: a ? Math.round(a.bitrate / 1000) : null,
    lossPercent: v ? Math.round(v.lossPercent * 10) / 10 : null,
    rttMs: rtts.length ? Math.round(Math.max(...rtts)) : null,
    width: settings?.width ?? 0,
    height: settings?.height ?? 0,
    transport: s.transports.map((x) => x.dtlsState).join('/'),
  };
}
