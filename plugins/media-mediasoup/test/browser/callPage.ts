// A minimal call page for the end-to-end tests (party, seat or officer), bundled by esbuild with the
// real client module (src/client/). Playwright drives it through `window.call`.
import { MediaClient, captureFrame, mediaUrl, uploadEvidence, type RemoteTrack } from '../../src/client/index.ts';

interface LogEntry {
  at: number;
  event: string;
  detail: unknown;
}

/** Every peer connection the page makes (mediasoup-client's transports), for their ICE figures. */
const peerConnections: RTCPeerConnection[] = [];
const NativePeerConnection = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePeerConnection {
  constructor(config?: RTCConfiguration) {
    super(config);
    peerConnections.push(this);
  }
} as typeof RTCPeerConnection;

const log: LogEntry[] = [];
const note = (event: string, detail: unknown = null) => log.push({ at: Date.now(), event, detail });
let client: MediaClient | null = null;
let camera: MediaStreamTrack | null = null;
const videos = new Map<string, HTMLVideoElement>();
const elements = new Map<string, HTMLElement>();

function attach(remote: RemoteTrack): void {
  const el = document.createElement(remote.kind === 'video' ? 'video' : 'audio') as HTMLVideoElement;
  el.muted = true;
  el.autoplay = true;
  el.playsInline = true;
  el.dataset.role = remote.role;
  el.dataset.source = remote.source;
  el.srcObject = new MediaStream([remote.track]);
  document.body.append(el);
  void el.play().catch(() => {});
  if (remote.kind === 'video') videos.set(remote.consumerId, el);
  elements.set(remote.consumerId, el);
}

function detach(remote: RemoteTrack): void {
  elements.get(remote.consumerId)?.remove();
  elements.delete(remote.consumerId);
  videos.delete(remote.consumerId);
}

/** A "back camera": a canvas of one colour with a moving square, so it keeps producing frames. */
function canvasCamera(color: string, width: number, height: number): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d')!;
  let x = 0;
  setInterval(() => {
    g.fillStyle = color;
    g.fillRect(0, 0, width, height);
    g.fillStyle = '#fff';
    g.fillRect((x = (x + 4) % width), height / 2, 8, 8);
  }, 40);
  return canvas.captureStream(25).getVideoTracks()[0]!;
}

/** The newest video of a role that has a frame. */
function videoOf(role: string): HTMLVideoElement | undefined {
  return [...videos.values()].reverse().find((v) => v.dataset.role === role && v.videoWidth > 0);
}

/** Listeners go on before the client joins (tracks arrive during the join). */
function listen(c: MediaClient): void {
  client = c;
  c.on('track', (r) => {
    note('track', { role: r.role, kind: r.kind, source: r.source });
    attach(r);
  });
  c.on('trackEnded', (r) => {
    note('trackEnded', { role: r.role, kind: r.kind });
    detach(r);
  });
  c.on('peerJoined', (p) => note('peerJoined', p));
  c.on('peerLeft', (p) => note('peerLeft', p));
  c.on('recording', (active) => note('recording', active));
  c.on('closed', (info) => note('closed', info));
  c.on('connection', (direction, state) => note('connection', { direction, state }));
}

const call = {
  log,
  async join(caseId: string, opts: { camera?: boolean; microphone?: boolean; iceTransportPolicy?: 'all' | 'relay'; video?: { width: number; height: number; frameRate: number }; simulcast?: boolean } = {}) {
    const started = Date.now();
    note('tap');
    const media = await navigator.mediaDevices.getUserMedia({ video: opts.camera ? (opts.video ?? { width: 640, height: 480, frameRate: 15 }) : false, audio: opts.microphone ?? true });
    camera = media.getVideoTracks()[0] ?? null;
    const c = await MediaClient.join({ url: mediaUrl(caseId), camera: camera ?? undefined, microphone: media.getAudioTracks()[0], device: 'kuaichu e2e page', listen, simulcast: opts.simulcast ?? false, ...(opts.iceTransportPolicy ? { iceTransportPolicy: opts.iceTransportPolicy } : {}) });
    note('joined', { role: c.role, peers: c.peers().map((p) => p.role) });
    return { role: c.role, peerId: c.peerId, caseId: c.caseId, peers: c.peers(), recording: c.recording, ms: Date.now() - started, startedAt: started };
  },
  /** Waits until a video of `role` shows a frame; returns when (epoch ms) and its size. */
  async firstFrame(role: string, timeoutMs = 15_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = videoOf(role);
      if (v) return { at: Date.now(), width: v.videoWidth, height: v.videoHeight };
      if (Date.now() > until) {
        const inbound = await client?.inbound();
        const els = [...videos.values()].map((v) => ({ role: v.dataset.role, w: v.videoWidth, paused: v.paused, ready: v.readyState, track: (v.srcObject as MediaStream).getVideoTracks()[0]?.readyState, muted: (v.srcObject as MediaStream).getVideoTracks()[0]?.muted }));
        throw new Error(`no frame from ${role}: ${JSON.stringify({ inbound, els, log })}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  },
  videoSize(role: string) {
    const v = videoOf(role);
    return v ? { width: v.videoWidth, height: v.videoHeight } : null;
  },
  /**
   * Each peer connection's ICE: its policy, the TURN servers it was given (URLs only) and, once
   * connected, the selected pair's local and remote candidate types ('relay' = through TURN).
   */
  async ice() {
    return Promise.all(peerConnections.map(async (pc) => {
      const config = pc.getConfiguration();
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(s.id as string, s));
      const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = transport ? stats.get(transport.selectedCandidatePairId as string) : undefined;
      const local = pair ? stats.get(pair.localCandidateId as string) : undefined;
      const remote = pair ? stats.get(pair.remoteCandidateId as string) : undefined;
      return {
        policy: config.iceTransportPolicy ?? 'all',
        iceServers: (config.iceServers ?? []).flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls])),
        state: pc.connectionState,
        gathering: pc.iceGatheringState,
        relayCandidates: [...stats.values()].filter((s) => s.type === 'local-candidate' && s.candidateType === 'relay').length,
        local: local ? { type: local.candidateType, address: local.address, port: local.port, relayProtocol: local.relayProtocol ?? null } : null,
        remote: remote ? { type: remote.candidateType, address: remote.address, port: remote.port } : null,
      };
    }));
  },
  /**
   * A peer connection of its own with only this TURN server and iceTransportPolicy 'relay',
   * gathering until Chromium calls it complete (a refused allocation ends it with a 401 error):
   * the relay candidates it got and the ICE errors it was told.
   */
  async gatherRelay(server: RTCIceServer) {
    const pc = new NativePeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
    const relay: string[] = [];
    const errors: Array<{ code: number; text: string }> = [];
    pc.addEventListener('icecandidate', (e) => { if (e.candidate?.type === 'relay') relay.push(e.candidate.candidate); });
    pc.addEventListener('icecandidateerror', (e) => errors.push({ code: e.errorCode, text: e.errorText }));
    const complete = new Promise<void>((resolve) => pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); }));
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await complete;
    pc.close();
    return { relay, errors };
  },
  /**
   * Video as the browser counts it: each outbound layer (rid, size, frame rate, bytes, why the
   * encoder holds back) and each inbound video (size, frames decoded, frame rate).
   */
  async videoRtp() {
    const outbound: Array<{ rid: string | null; width: number; height: number; fps: number; bytesSent: number; limitation: string }> = [];
    const inbound: Array<{ width: number; height: number; framesDecoded: number; fps: number; bytesReceived: number }> = [];
    for (const pc of peerConnections) {
      (await pc.getStats()).forEach((s: Record<string, any>) => {
        if (s.kind !== 'video') return;
        if (s.type === 'outbound-rtp') outbound.push({ rid: s.rid ?? null, width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, fps: s.framesPerSecond ?? 0, bytesSent: s.bytesSent ?? 0, limitation: s.qualityLimitationReason ?? 'none' });
        if (s.type === 'inbound-rtp') inbound.push({ width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, framesDecoded: s.framesDecoded ?? 0, fps: s.framesPerSecond ?? 0, bytesReceived: s.bytesReceived ?? 0 });
      });
    }
    return { outbound, inbound };
  },
  inbound: () => client!.inbound(),
  inboundByTrack: () => client!.inboundByTrack(),
  stats: () => client!.stats(),
  producerId: (source: 'camera' | 'microphone') => client!.producerId(source),
  peers: () => client!.peers(),
  remote: () => client!.remoteTracks().map((r) => ({ role: r.role, kind: r.kind, source: r.source })),
  /** Camera switch: the same producer gets another track (here a red canvas at another size). */
  async switchCamera(color = '#d00000', width = 320, height = 240) {
    const track = canvasCamera(color, width, height);
    await client!.replaceTrack('camera', track);
    camera?.stop();
    camera = track;
  },
  /** New ICE credentials on both transports (what the client does by itself after a network change). */
  restartIce: () => client!.restartIce(),
  /** The seat's capture button: the party's current frame at full resolution, stored as evidence. */
  async capture(caseId: string, item: string, token: string) {
    const v = videoOf('party_a');
    if (!v) throw new Error('no party video');
    const frame = await captureFrame(v);
    const bitmap = await createImageBitmap(frame.blob);
    const c = document.createElement('canvas');
    c.width = 1;
    c.height = 1;
    const g = c.getContext('2d')!;
    g.drawImage(bitmap, 0, 0, 1, 1);
    const [r, gr, b] = g.getImageData(0, 0, 1, 1).data;
    const stored = await uploadEvidence(caseId, item, frame.blob, 'capture.jpg', { authorization: `Bearer ${token}` });
    return { width: frame.width, height: frame.height, bytes: frame.blob.size, average: [r, gr, b], stored };
  },
  /** The network goes: socket and transports close at once, no goodbye. */
  drop() {
    client?.close();
    camera?.stop();
    for (const [id, el] of elements) (el.remove(), elements.delete(id), videos.delete(id));
  },
  async leave() {
    await client?.leave();
  },
  closed: () => client?.closed ?? true,
};

declare global {
  interface Window {
    call: typeof call;
  }
}
window.call = call;
