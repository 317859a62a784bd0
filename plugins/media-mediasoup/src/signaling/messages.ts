// The signalling messages of a case's media room. Their shapes are the JSON Schemas in
// schemas/signaling/ (the types below are generated from them by `npm run gen`); every message a
// client sends is checked against its schema before it is handled.
import type {
  MediaClientRequests,
  MediaClientResponses,
  MediaNotifications,
  MediaServerRequests,
  MediaServerResponses,
  SignalingError,
} from '@kuaichu/core/generated/types.ts';

export type {
  MediaClientRequests,
  MediaClientResponses,
  MediaNotifications,
  MediaServerRequests,
  MediaServerResponses,
  MediaPeer,
  MediaRole,
  MediaKind,
  MediaSource,
  MediaStats,
  ModerationAction,
  PeerLeftReason,
  RoomClosedReason,
  SignalingError,
} from '@kuaichu/core/generated/types.ts';

export type ClientMethod = keyof MediaClientRequests;
export type ServerMethod = keyof MediaServerRequests;
export type NotificationMethod = keyof MediaNotifications;

/** A client request as the server handles it: the method and its data, typed together. */
export type ClientRequest = { [M in ClientMethod]: { method: M; data: MediaClientRequests[M] } }[ClientMethod];

export type Frame =
  | { kind: 'request'; id: number; method: string; data: Record<string, unknown> }
  | { kind: 'response'; id: number; ok: true; data: Record<string, unknown> }
  | { kind: 'response'; id: number; ok: false; error: SignalingError }
  | { kind: 'notification'; method: string; data: Record<string, unknown> };

export const CLIENT_METHODS: readonly ClientMethod[] = [
  'getRouterRtpCapabilities', 'join', 'createWebRtcTransport', 'connectTransport', 'restartIce',
  'produce', 'closeProducer', 'pauseProducer', 'resumeProducer', 'getStats', 'leave', 'moderate',
];

/** WebSocket close codes of the media route (4000–4999 are the application's). */
export const CloseCode = {
  /** The room closed (the call ended); the reason is in the close frame. */
  roomClosed: 4000,
  /** A newer connection of the same person took over. */
  replaced: 4001,
  /** Removed: the case moved to another seat, or the seat removed this participant from the room. */
  removed: 4002,
  /** Not signed in. */
  unauthenticated: 4401,
  /** The page's origin is not this server's. */
  badOrigin: 4403,
  /** Not a member of this case's room (or no such case): nobody joins a room they do not belong to. */
  notMember: 4404,
  /** The case has no call now (not answered yet, or over). */
  noCall: 4409,
  /** The room holds its most participants already (ROOM_CAPACITY: seat, both parties, insurer, repair shop, mediator). */
  roomFull: 4429,
  /** The client broke the protocol (bad frame, too many errors). */
  protocol: 4400,
  /** This server process is shutting down (WebSocket's "service restart"): reconnect, another process takes the call. */
  restarting: 1012,
} as const;
