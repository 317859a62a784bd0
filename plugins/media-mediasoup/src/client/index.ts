// The browser side of the case's video call, shared by the test pages and the web apps (issue 5).
// Bundle it (esbuild/vite) with mediasoup-client; it has no other dependency.
export { MediaClient, PROBATOR_SSRC, type JoinOptions, type MediaClientEvents, type RemoteTrack, type InboundSample } from './MediaClient.ts';
export { captureFrame, uploadEvidence, type CapturedFrame } from './capture.ts';
export { Signaling, SignalingError } from './signaling.ts';
export { Emitter } from './emitter.ts';
export { FINAL_CLOSE_CODES, REJOIN_ATTEMPTS, rejoinable, rejoinDelay } from './rejoin.ts';

/** The media socket's URL for a case, from the page's own origin. */
export function mediaUrl(caseId: string, origin: string = location.origin): string {
  return `${origin.replace(/^http/, 'ws')}/api/cases/${encodeURIComponent(caseId)}/media`;
}
