// The recording of one room (全程录像): which parts run, and what each holds. A part holds every
// participant who sends media — each camera and each microphone in the room — and runs while the
// reporting party sends camera and microphone (the call); the party's drop ends it.
//
// ffmpeg cannot take an input while it runs, so when the set of senders changes (someone joins,
// starts a camera, leaves), a new part is started with the new set, and only once it receives is
// the running part ended (make before break: the parts overlap by a moment instead of leaving a
// gap). A joining participant's camera and microphone come one after the other: a part waits for
// senders still coming until every participant sends a microphone and every camera sends packets,
// or at most `senderGraceMs`, so one join makes one new part. A camera is recorded once its first
// packets arrived (an SDP video stream that never sends makes ffmpeg refuse the whole part); a
// camera that pauses later just leaves a gap in its track.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { ROLE_RULES, type MediaRole } from '../roles.ts';
import type { RecordingSettings } from '../config.ts';
import type { MediaLogger } from '../log.ts';
import type { ProducerAppData } from '../Peer.ts';
import { Recorder, type RecordingResult, type RecordingSource } from './Recorder.ts';

type Producer = types.Producer<ProducerAppData>;

/** A participant who may send, as the room sees it now (a listener is not one). */
export interface RecordingParticipant {
  peerId: string;
  role: MediaRole;
  producers: readonly Producer[];
}

export type RoomRecordingEvents = {
  /** A part ended; `done` resolves with its file, or null when nothing was recorded. */
  part: [part: { part: number; done: Promise<RecordingResult | null> }];
  /** The room is recorded now, or no longer (not told again when one part replaces another). */
  active: [active: boolean];
};

export interface RoomRecordingOptions {
  router: types.Router;
  settings: RecordingSettings;
  logger: MediaLogger;
  owner: { tenant: string; caseId: string };
  /** Everyone in the room who may send, in the order they joined. */
  participants(): RecordingParticipant[];
}

/** How often a part that could not start is tried again, and after how long. */
const START_RETRIES = 3;
const RETRY_MS = 1000;

export class RoomRecording extends EventEmitter<RoomRecordingEvents> {
  readonly #opts: RoomRecordingOptions;
  #recorder: Recorder | null = null;
  #starting = false;
  #failures = 0;
  #parts = 0;
  #graceTimer: NodeJS.Timeout | null = null;
  #graceOver = false;
  #planQueued = false;
  #closed = false;
  readonly #watched = new WeakSet<Producer>();

  constructor(opts: RoomRecordingOptions) {
    super();
    this.#opts = opts;
  }

  /** A part is running. */
  get active(): boolean {
    return this.#recorder !== null;
  }

  /** Parts started so far. */
  get parts(): number {
    return this.#parts;
  }

  /** The producers the running part records. */
  get recording(): readonly string[] {
    return this.#recorder?.producerIds ?? [];
  }

  /** Something about the senders changed (a join, a producer, a leave): looked at once, in the next turn. */
  changed(): void {
    if (this.#planQueued || this.#closed) return;
    this.#planQueued = true;
    setImmediate(() => {
      this.#planQueued = false;
      this.#plan();
    });
  }

  /** A producer closed: the party's camera or microphone ends the part at once (a drop); others make a new part. */
  producerClosed(producer: Producer): void {
    if (this.#recorder?.has(producer.id) && ROLE_RULES[producer.appData.role].drivesCase) this.stop();
    this.changed();
  }

  /** Ends the running part without a next one (the party dropped). */
  stop(): void {
    this.#clearGrace();
    const rec = this.#recorder;
    if (!rec) return;
    this.#recorder = null;
    this.emit('part', { part: rec.part, done: rec.stop() });
    this.emit('active', false);
  }

  /** The room closes: the running part ends; resolves once its ffmpeg took the last packet. */
  close(): Promise<void> {
    this.#closed = true;
    const rec = this.#recorder;
    this.stop();
    return rec ? rec.captureEnded() : Promise.resolve();
  }

  #clearGrace(): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    this.#graceOver = false;
  }

  /** Sends packets now (its first ones arrived and it is not paused): a camera is recorded only then. */
  static #flowing(p: Producer): boolean {
    return !p.closed && !p.paused && p.score.some((s) => s.score > 0);
  }

  #eligible(p: Producer): boolean {
    if (p.closed) return false;
    return p.kind === 'audio' || this.#recorder?.has(p.id) === true || RoomRecording.#flowing(p);
  }

  /** A camera starting to send, or sending again after a pause, may be a new sender. */
  #watch(p: Producer): void {
    if (this.#watched.has(p)) return;
    this.#watched.add(p);
    if (p.kind !== 'video') return;
    const look = () => {
      if (!this.#recorder?.has(p.id) && RoomRecording.#flowing(p)) this.changed();
    };
    p.observer.on('score', look);
    p.observer.on('resume', look);
  }

  #plan(): void {
    if (!this.#opts.settings.enabled || this.#closed || this.#starting) return;
    const participants = this.#opts.participants();
    for (const p of participants) for (const pr of p.producers) this.#watch(pr);
    const party = participants.find((p) => ROLE_RULES[p.role].drivesCase);
    const camera = party?.producers.find((p) => p.appData.source === 'camera' && !p.closed);
    const mic = party?.producers.find((p) => p.appData.source === 'microphone' && !p.closed);
    // No call to record without the party's camera and microphone (a running part was ended by their close).
    if (!camera || !mic || !this.#eligible(camera)) return this.#clearGrace();
    const wanted = participants.flatMap((p) => p.producers.filter((pr) => this.#eligible(pr)));
    const rec = this.#recorder;
    if (rec && wanted.length === rec.producerIds.length && wanted.every((p) => rec.has(p.id))) return this.#clearGrace();
    // Everyone is in: each participant sends a microphone and each camera sends packets.
    const complete = participants.every((p) => p.producers.some((pr) => pr.kind === 'audio' && !pr.closed) && p.producers.every((pr) => pr.closed || this.#eligible(pr)));
    if (!complete && !this.#graceOver) {
      this.#graceTimer ??= setTimeout(() => {
        this.#graceTimer = null;
        this.#graceOver = true;
        this.#plan();
      }, this.#opts.settings.senderGraceMs);
      return;
    }
    this.#clearGrace();
    this.#start(wanted);
  }

  #start(producers: Producer[]): void {
    this.#starting = true;
    const part = ++this.#parts;
    const { logger } = this.#opts;
    Recorder.start({ router: this.#opts.router, sources: labelled(producers), settings: this.#opts.settings, logger, part, owner: this.#opts.owner }).then(
      (rec) => {
        this.#starting = false;
        this.#failures = 0;
        const partyGone = producers.some((p) => p.closed && ROLE_RULES[p.appData.role].drivesCase);
        if (this.#closed || partyGone) {
          // The call (or this stretch of it) ended while ffmpeg was starting.
          this.emit('part', { part, done: rec.stop() });
          this.changed();
          return;
        }
        const previous = this.#recorder;
        this.#recorder = rec;
        if (previous) this.emit('part', { part: previous.part, done: previous.stop() });
        else this.emit('active', true);
        this.changed();
      },
      (err: Error) => {
        this.#starting = false;
        // The room closing (its router with it) while ffmpeg starts is the call ending, not a fault.
        if (this.#closed || this.#opts.router.closed) return logger.info(`recording part ${part} not started: the call ended first`);
        // The running part (if any) goes on; it only lacks the newcomers.
        logger.error(`recording part ${part} could not start: ${err.message}`);
        // A port taken between the probe and ffmpeg's bind, a slow start: try again, a few times.
        if (++this.#failures <= START_RETRIES) setTimeout(() => this.changed(), RETRY_MS).unref();
      },
    );
  }
}

/** Each producer with whose it is: the role, numbered when a role is there more than once. */
export function labelled(producers: readonly Producer[]): RecordingSource[] {
  const peers: string[] = [];
  const seen = new Map<string, number>();
  const labels = new Map<string, string>();
  for (const p of producers) {
    const { peerId, role } = p.appData;
    if (peers.includes(peerId)) continue;
    peers.push(peerId);
    const n = (seen.get(role) ?? 0) + 1;
    seen.set(role, n);
    labels.set(peerId, n === 1 ? role : `${role}-${n}`);
  }
  return producers.map((p) => ({ producer: p, label: labels.get(p.appData.peerId)!, role: p.appData.role, peerId: p.appData.peerId }));
}
