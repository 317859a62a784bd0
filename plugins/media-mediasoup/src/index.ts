// @kuaichu/plugin-media-mediasoup: live video for cases on mediasoup (README.md). The default
// export is the MediaPlugin the core discovers (package.json `kuaichu.plugins`).
import { mediaPlugin } from './plugin.ts';

export default mediaPlugin;
export { createMedia, mediaPlugin, type Media, type MediaPluginOptions } from './plugin.ts';
export { MediaService, type MediaServiceOptions, type MediaServiceEvents, type StoredRecording } from './MediaService.ts';
export { Room, type RoomEvents, type SerializedRoom } from './Room.ts';
export { Peer, type PeerEvents } from './Peer.ts';
export { MEDIA_ROLES, ROLE_RULES, canProduce, type Admission, type RoleRules } from './roles.ts';
export { MEDIA_CODECS, mediaOptionsFromEnv, defaultListen, type RecordingSettings, type TransportSettings } from './config.ts';
export { CloseCode, CLIENT_METHODS } from './signaling/messages.ts';
export type * from './signaling/messages.ts';
export { createWorkerPool, loadMediasoup, resolveWorkerBin, type WorkerPool } from './worker.ts';
export { probeDuration, type RecordingResult } from './recording/Recorder.ts';
