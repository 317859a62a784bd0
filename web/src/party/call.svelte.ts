/**
 * The party's side of the video call: the phone's camera (back camera first: the seat wants to
 * see the cars) and microphone, the case's media room (MediaClient), camera switch, mute, and
 * whether the call was lost. Screens read the reactive fields; nothing here touches the DOM.
 */
import { MediaClient, mediaUrl, REJOIN_ATTEMPTS, rejoinable, rejoinDelay, type RemoteTrack } from '@kuaichu/plugin-media-mediasoup/client';
import type { MediaRole } from '@kuaichu/core/generated/types.ts';

export type Facing = 'environment' | 'user';
/** Police roles in the room: while one is there it receives the party's camera (the server hands every member every producer). */
const POLICE: readonly MediaRole[] = ['seat', 'officer'];
/** The media socket's close code when the call ended normally (room closed: left the scene, escalated). */
const CALL_ENDED = 4000;

export class CallSession {
  /** The party's own camera and microphone (the small preview). */
  local = $state<MediaStream | null>(null);
  /** The seat's (and any other staff's) video and voice. */
  remote = $state<RemoteTrack[]>([]);
  facing = $state<Facing>('environment');
  muted = $state(false);
  recording = $state(false);
  joined = $state(false);
  joining = $state(false);
  /** A seat (or officer) is in the room: it is watching the party's camera. */
  policeWatching = $state(false);
  /** The media socket closed when nobody ended the call: 继续处理 is needed. */
  lost = $state(false);
  /**
   * The socket dropped without the server ending the call (its process died or restarts, the
   * network went): the call is being rejoined by itself, on whichever process now hosts the room.
   */
  reconnecting = $state(false);
  /** The server closed the room (the call ended); the case's new state is on its way. */
  ended = $state(false);
  /** The seat muted this party's microphone (they may unmute): the screen says so. */
  mutedBySeat = $state(false);
  /** The seat removed this party from the room (4002): no rejoining, the screen says so. */
  removed = $state(false);
  /** Camera or microphone refused or missing. */
  deviceError = $state<'' | 'denied' | 'missing' | 'other'>('');
  /** The last failure (an ApiError, a signalling error with a KC_* code, or a device error); worded by errorText when shown. */
  error = $state<unknown>(null);

  #client: MediaClient | null = null;
  #ending = false;
  #retry = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Opens camera and microphone (once); the preview shows while the party waits. */
  async preview(): Promise<MediaStream | null> {
    if (this.local) return this.local;
    this.deviceError = '';
    try {
      this.local = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: this.facing }, width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 20, max: 25 } },
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      const name = (err as DOMException).name;
      this.deviceError = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'other';
      return null;
    }
    return this.local;
  }

  /** Joins the case's room, sending camera and microphone, receiving the seat. */
  async join(caseId: string): Promise<void> {
    if (this.joining || (this.#client && !this.#client.closed)) return;
    this.joining = true;
    this.error = null;
    this.lost = false;
    this.ended = false;
    this.#ending = false;
    try {
      const stream = await this.preview();
      if (!stream) throw new Error('no camera');
      const camera = stream.getVideoTracks()[0];
      const microphone = stream.getAudioTracks()[0];
      if (microphone) microphone.enabled = !this.muted;
      this.remote = [];
      this.#client = await MediaClient.join({
        url: mediaUrl(caseId), camera, microphone, device: 'kuaichu party app',
        simulcast: true, // a roadside uplink: the seat gets the best layer that still arrives
        listen: (c) => {
          c.on('track', (r) => (this.remote = [...this.remote.filter((x) => x.consumerId !== r.consumerId), r]));
          c.on('trackEnded', (r) => (this.remote = this.remote.filter((x) => x.consumerId !== r.consumerId)));
          // A fresh object: the client mutates `paused` on its own, which this $state copy would not see.
          c.on('trackPaused', (r) => (this.remote = this.remote.map((x) => (x.consumerId === r.consumerId ? { ...r } : x))));
          c.on('recording', (active) => (this.recording = active));
          c.on('moderated', (action) => {
            if (action === 'remove') {
              this.removed = true;
              return;
            }
            this.muted = true;
            this.mutedBySeat = true;
            for (const a of this.local?.getAudioTracks() ?? []) a.enabled = false;
          });
          c.on('peerJoined', () => this.#countPolice(c));
          c.on('peerLeft', () => this.#countPolice(c));
          c.on('closed', ({ code }) => {
            this.joined = false;
            this.policeWatching = false;
            this.remote = [];
            if (this.#ending || this.removed) return;
            if (code !== CALL_ENDED) {
              if (rejoinable(code)) this.#rejoin(caseId);
              else this.lost = true;
            } else {
              // Normally the case leaves the call at the same moment (left the scene, escalated); if it
              // has not a few seconds later, the room closed under a live call and the party reconnects.
              this.ended = true;
              setTimeout(() => {
                if (!this.#ending && this.ended) this.lost = true;
              }, 4000);
            }
          });
        },
      });
      this.recording = this.#client.recording;
      this.#countPolice(this.#client);
      if (this.muted) await this.#client.setPaused('microphone', true);
      this.joined = true;
      this.reconnecting = false;
      this.#retry = 0;
    } catch (err) {
      this.error = err;
      this.joining = false;
      // Refused for a reason (no call any more: 继续处理; not a member …) or out of tries: the party decides.
      if (!this.#ending && rejoinable(err) && this.#retry < REJOIN_ATTEMPTS && this.local) this.#rejoin(caseId);
      else {
        this.reconnecting = false;
        this.lost = true;
      }
    } finally {
      if (!this.reconnecting) this.joining = false;
    }
  }

  /** Joins again after a backoff; `joining` stays set meanwhile so the screen does not start a second join. */
  #rejoin(caseId: string): void {
    if (this.#retry >= REJOIN_ATTEMPTS) {
      this.reconnecting = false;
      this.lost = true;
      return;
    }
    this.reconnecting = true;
    this.joining = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.joining = false;
      if (this.#ending) return;
      void this.join(caseId);
    }, rejoinDelay(this.#retry++));
  }

  #countPolice(c: MediaClient): void {
    this.policeWatching = c.peers().some((p) => POLICE.includes(p.role));
  }

  /** Front ↔ back camera: a new track on the same producer, the call stays up. */
  async switchCamera(): Promise<void> {
    const next: Facing = this.facing === 'environment' ? 'user' : 'environment';
    const old = this.local?.getVideoTracks()[0];
    // Many phones cannot open both cameras at once: let go of the old one first.
    old?.stop();
    let track: MediaStreamTrack | undefined;
    try {
      track = (await navigator.mediaDevices.getUserMedia({ video: { facingMode: { exact: next }, width: { ideal: 640 }, height: { ideal: 480 } } })).getVideoTracks()[0];
    } catch {
      track = (await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: next }, width: { ideal: 640 }, height: { ideal: 480 } } })).getVideoTracks()[0];
    }
    if (!track) return;
    this.facing = next;
    if (this.#client && !this.#client.closed) await this.#client.replaceTrack('camera', track);
    this.local = new MediaStream([track, ...(this.local?.getAudioTracks() ?? [])]);
  }

  async toggleMute(): Promise<void> {
    this.muted = !this.muted;
    this.mutedBySeat = false;
    for (const a of this.local?.getAudioTracks() ?? []) a.enabled = !this.muted;
    if (this.#client && !this.#client.closed) await this.#client.setPaused('microphone', this.muted).catch(() => {});
  }

  /** The call is over (left the scene, escalated, page closed): close the room's socket and free the camera. */
  end(): void {
    this.disconnect();
    for (const tr of this.local?.getTracks() ?? []) tr.stop();
    this.local = null;
  }

  /** Only the socket (the camera stays for the preview): before 继续处理 rejoins. */
  disconnect(): void {
    this.#ending = true;
    clearTimeout(this.#retryTimer);
    this.reconnecting = false;
    this.#retry = 0;
    this.#client?.close();
    this.#client = null;
    this.joined = false;
    this.policeWatching = false;
    this.remote = [];
  }
}
