/**
 * Live video (视频快处): a case's room, its participants and its recording. Implemented by
 * plugins/media-mediasoup; found like the bus and analytics (core/src/plugins/process.ts).
 *
 * Who owns what: core decides who is in a case's room and as what (core/src/media/admission.ts),
 * opens and closes the room as the case moves (case.answered opens it; leaving the scene,
 * escalation and abandonment close it) and owns the WebSocket route; the plugin owns the rooms,
 * the media and the recordings, and reports what happens in them through MediaReports, which
 * core answers with its own case services (core/src/media/roomReports.ts). The plugin never
 * touches core's database or its channels.
 */
import type { MediaRole, MediaSource, PeerLeftReason, RoomClosedReason } from '../generated/types.ts';

export type { MediaRole, MediaSource, PeerLeftReason, RoomClosedReason };

export const MEDIA_ROLES: readonly MediaRole[] = ['party_a', 'party_b', 'seat', 'officer', 'insurer', 'mediator', 'hospital', 'repair_shop', 'supervisor'];

export interface RoleRules {
  /** What this role may produce. */
  produces: readonly MediaSource[];
  /** A party at the roadside: their departure ends a part of the call. */
  party: boolean;
  /** The reporting party: losing them drops the call (call.dropped) until they resume. */
  drivesCase: boolean;
}

const speaker: RoleRules = { produces: ['microphone', 'camera'], party: false, drivesCase: false };

/**
 * The role model of a media room. A 1:1 call today is a party (当事人) and a seat (坐席); the same
 * room admits officers now and, for mediation rooms later, a second party, insurers, mediators,
 * hospitals and repair shops. Each role says what it may send and whether its loss interrupts
 * the case (only the reporting party's does).
 */
export const ROLE_RULES: Readonly<Record<MediaRole, RoleRules>> = {
  party_a: { produces: ['camera', 'microphone'], party: true, drivesCase: true },
  party_b: { produces: ['camera', 'microphone'], party: true, drivesCase: false },
  seat: speaker,
  officer: speaker,
  insurer: speaker,
  mediator: speaker,
  hospital: speaker,
  repair_shop: speaker,
  /** The duty supervisor (班长) listening in: receives everything, sends nothing. */
  supervisor: { produces: [], party: false, drivesCase: false },
};

/** A case's room. */
export interface MediaRoomRef {
  tenant: string;
  caseId: string;
}

export interface MediaRoomSpec extends MediaRoomRef {
  /** The room closes when the reporting party has been away this long (the city's resume window). */
  partyAbsenceSeconds: number;
}

/** Someone core let into a case's room, and as what. */
export interface MediaParticipant {
  role: MediaRole;
  /** One participant per identity (`staff:<id>`, `party:<phone>`): a second connection of the same person replaces the first. */
  identity: string;
  /** Shown to the others; personal data masked (当事人 139****0001). */
  displayName: string;
}

/** Core's answer about a socket: who it is in the room, or why it is refused (4401, 4404). */
export type MediaEntry =
  | { admitted: false; refusal: 'unauthenticated' | 'not_member' }
  | {
      admitted: true;
      room: MediaRoomSpec;
      participant: MediaParticipant;
      /** The case is in a call now: the room is opened for the join if it is not open (after a restart). */
      inCall: boolean;
      /** The case's state, for the refusal when there is no call (4409). */
      state: string;
    };

/** One socket on GET /api/cases/:id/media, handed to the plugin at once. */
export interface MediaJoin {
  /** As asked in the URL (not yet checked). */
  caseId: string;
  /** The page's origin and the host it asked (a browser page may open the socket only from this server's own origin). */
  origin?: string | undefined;
  host?: string | undefined;
  forwardedHost?: string | undefined;
  /** Core's decision, pending while the case is looked up: frames that arrive meanwhile are kept. */
  entry: Promise<MediaEntry>;
}

/** The part of a `ws` WebSocket the plugin uses. */
export interface MediaSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
}

/** What core asks of the media layer. */
export interface MediaPort {
  /** 'mediasoup' … (for logs). */
  readonly kind: string;
  /** Opens the case's room, or keeps the open one (a resumed call goes on in the same room). */
  openRoom(room: MediaRoomSpec): Promise<void>;
  /** Of `role`, only `identity` stays (answered again by another seat: the previous one leaves). */
  keepOnly(room: MediaRoomRef, role: MediaRole, identity: string): void;
  /** A participant's socket; core's entry decides whether and as what it joins. */
  admit(socket: MediaSocket, join: MediaJoin): Promise<void>;
  /** Ends the call: everyone is told why and disconnected, the recording part is stored. */
  endCall(room: MediaRoomRef, reason: RoomClosedReason): void;
  /** Ends every call (recordings stored) and stops the media workers. */
  close(): Promise<void>;
  /**
   * Graceful shutdown: no new room from now on; the calls held here may end within `graceMs`,
   * the rest are closed so that their clients reconnect to another process (close code 1012).
   */
  drain?(graceMs: number): Promise<void>;
  /** What the workers carry now, for /metrics and readiness (no case ids, no names). */
  stats(): Promise<MediaStats>;
}

/** One media worker process as /metrics shows it. */
export interface MediaWorkerStats {
  /** Its place in the pool ('0', '1' …): stable across scrapes, unlike a pid. */
  worker: string;
  pid: number;
  /** CPU time the worker used since it started (user + system). */
  cpuSeconds: number;
  rooms: number;
  /** Consumers (one participant receiving one track) on the worker's routers. */
  consumers: number;
}

export interface MediaStats {
  /** Workers the pool was started with; fewer live ones means some died. */
  configuredWorkers: number;
  workers: MediaWorkerStats[];
}

/** A recording part, finished, in a file the plugin removes once the report resolved. */
export interface MediaRecording {
  room: MediaRoomRef;
  file: { path: string; contentType: string };
  startedAt: string;
  endedAt: string;
  /** Wall-clock length of the part. */
  durationSeconds: number;
  /** Length of the media as read back (null if it could not be). */
  mediaSeconds: number | null;
  /** The file's tracks in order, each with whose it is: the cameras, the mix of the voices (when more than one), the voices. */
  tracks: MediaRecordingTrack[];
}

/**
 * A track of a stored recording part. A part holds every participant who sends media: one video
 * track per camera, one audio track per voice, and a mix of all voices (the default audio track)
 * when there are several. The file says the same: each track's title is its label, and its tags
 * ROLE and PEER say whose it is.
 */
export interface MediaRecordingTrack {
  /** The stream's index in the file (as ffprobe counts). */
  index: number;
  kind: 'video' | 'audio';
  /** The sender's role (role-2 … when a role is there twice), or 'mix' for the mixed voices. */
  label: string;
  /** Whose it is (null for the mix): the sender's role and its peer id in the room (null in parts recorded before tracks were tagged). */
  role: MediaRole | null;
  peerId: string | null;
  /** What a player shows or plays unless told otherwise: the reporting party's camera, the mix. */
  default: boolean;
}

/** The evidence a recording part became. */
export interface StoredMediaRecording {
  evidenceId: string;
  /** The evidence item's place in the case's chain. */
  seq: number;
  /** Parts are numbered as they are stored. */
  part: number;
  sha256: string;
  size: number;
}

/** A still taken from a participant's video (a photo for the checklist). */
export interface MediaFrame {
  room: MediaRoomRef;
  participant: MediaParticipant;
  /** The checklist item (or 'other') the photo is evidence for. */
  item: string;
  /** The encoded still (JPEG or PNG; core checks the type by content). */
  image: Uint8Array;
  capturedAt: string;
}

/** What a room reports back; core answers each with its case services. */
export interface MediaReports {
  /** A participant who had joined is gone (socket, ICE or DTLS lost, hung up, removed); not when replaced or when the room closed. */
  participantLost(report: { room: MediaRoomRef; participant: MediaParticipant; reason: PeerLeftReason }): Promise<void>;
  /** A participant joined (again). */
  participantReturned(report: { room: MediaRoomRef; participant: MediaParticipant }): Promise<void>;
  /** The room closed, whatever the reason. */
  callEnded(report: { room: MediaRoomRef; reason: RoomClosedReason }): Promise<void>;
  /** A recording part ended: core stores it as evidence item `recording`. */
  recordingStored(recording: MediaRecording): Promise<StoredMediaRecording>;
  /** A still was taken from the video: core stores it as evidence. */
  frameCaptured(frame: MediaFrame): Promise<{ evidenceId: string; sha256: string }>;
}

/** The plugin's logger (the server's pino logger). */
export interface MediaLog {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/**
 * A process-wide media layer provided by a plugin package (declared in its package.json
 * `kuaichu.plugins`); core creates it once, with the reports it answers.
 */
export interface MediaPlugin {
  name: string;
  port: 'media';
  create(ctx: { env: Readonly<Record<string, string | undefined>>; log: MediaLog; reports: MediaReports }): Promise<MediaPort>;
}
