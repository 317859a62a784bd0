// Browser side of worker-browser.test.ts, bundled with mediasoup-client by esbuild in the test.
// One page both sends (fake camera + microphone) and receives (consumes its own producers)
// through the mediasoup router in the test process. Signalling: POST /api/<method> with JSON.
import { Device } from 'mediasoup-client';

const PROBATOR_SSRC = 1234; // mediasoup-client's padding-only probation stream: not media

async function api(method, body = {}) {
  const res = await fetch(`/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method}: ${json.error ?? res.status}`);
  return json;
}

function wire(transport) {
  transport.on('connect', ({ dtlsParameters }, ok, fail) => {
    api('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => ok(), fail);
  });
  transport.on('produce', ({ kind, rtpParameters }, ok, fail) => {
    api('produce', { transportId: transport.id, kind, rtpParameters }).then(({ id }) => ok({ id }), fail);
  });
}

const state = { recvTransport: null, sendTransport: null, video: null, marks: {} };

/** Places the call; resolves once the consumer's video element has its first frame. */
window.runCall = async () => {
  const t0 = performance.now();
  const device = new Device();
  await device.load({ routerRtpCapabilities: await api('routerRtpCapabilities') });

  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 480, frameRate: 15 },
    audio: true,
  });

  const send = device.createSendTransport(await api('createTransport', { direction: 'send' }));
  wire(send);
  state.sendTransport = send;
  const videoProducer = await send.produce({ track: stream.getVideoTracks()[0] });
  const audioProducer = await send.produce({ track: stream.getAudioTracks()[0] });

  const recv = device.createRecvTransport(await api('createTransport', { direction: 'recv' }));
  wire(recv);
  state.recvTransport = recv;
  const tracks = [];
  for (const producer of [videoProducer, audioProducer]) {
    const params = await api('consume', {
      transportId: recv.id, producerId: producer.id, rtpCapabilities: device.rtpCapabilities,
    });
    const consumer = await recv.consume(params);
    await api('resumeConsumer', { consumerId: consumer.id });
    tracks.push(consumer.track);
  }

  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = new MediaStream(tracks);
  document.body.append(video);
  state.video = video;
  await video.play().catch(() => {});
  for (let i = 0; i < 200 && video.videoWidth === 0; i++) await new Promise((r) => setTimeout(r, 50));
  state.marks.firstFrameMs = Math.round(performance.now() - t0);
  return { videoWidth: video.videoWidth, videoHeight: video.videoHeight, ...state.marks };
};

/** One getStats() sample of the receiving side. */
window.sample = async () => {
  const report = await state.recvTransport.getStats();
  const out = { videoBytes: 0, audioBytes: 0, videoWidth: state.video?.videoWidth ?? 0, framesDecoded: 0, transport: null };
  for (const s of report.values()) {
    if (s.type === 'inbound-rtp' && s.ssrc !== PROBATOR_SSRC) {
      if (s.kind === 'video') { out.videoBytes += s.bytesReceived ?? 0; out.framesDecoded += s.framesDecoded ?? 0; }
      if (s.kind === 'audio') out.audioBytes += s.bytesReceived ?? 0;
    }
    if (s.type === 'transport') {
      out.transport = {
        dtlsState: s.dtlsState, tlsVersion: s.tlsVersion, dtlsCipher: s.dtlsCipher, srtpCipher: s.srtpCipher,
      };
    }
  }
  return out;
};

window.hangUp = () => {
  state.sendTransport?.close();
  state.recvTransport?.close();
};
