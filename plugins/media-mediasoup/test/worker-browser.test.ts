// Proof that the mediasoup worker binary on this machine carries a real browser call: Chromium
// (Debian's, fake camera + microphone) sends video and audio through a router in this process and
// receives them back. Node-to-node tests never do DTLS; only a browser exercises the DTLS/SRTP
// path that the Debian build patches (docs/media-worker.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import type { types } from 'mediasoup';
import { until } from '@kuaichu/testkit/until';
import { createWorkerPool, loadMediasoup, type WorkerPool } from '../src/worker.ts';

// Debian's chromium package; KUAICHU_TEST_CHROMIUM only exists to exercise the skip path.
const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));

const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  // With only loopback (CI network namespaces) ICE never connects without this.
  '--allow-loopback-in-peer-connection',
];

const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

interface Sample {
  videoBytes: number;
  audioBytes: number;
  videoWidth: number;
  framesDecoded: number;
  transport: { dtlsState?: string; tlsVersion?: string; dtlsCipher?: string; srtpCipher?: string } | null;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>kuaichu mediasoup worker test</title>
<body><script src="/client.js"></script></body>`;

async function bundleClient(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(here, 'browser/client.js')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome110',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

test('a real Chromium call goes through the mediasoup worker (DTLS, SRTP, video and audio)', { timeout: 90_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    // The only reason to skip: `node tools/bootstrap/index.mjs test` installs it when run as root.
    t.skip(`${CHROMIUM} not found: install Debian's "chromium" package (the bootstrap does, as root)`);
    return;
  }
  // Worker-side DTLS/SRTP details come from the worker's own debug log (dtls + srtp tags), which
  // mediasoup relays through its Channel logger.
  const mediasoup = await loadMediasoup();
  const workerLog: string[] = [];
  mediasoup.setLogEventListeners({
    ondebug: (_ns, log) => { if (/dtls|srtp/i.test(log)) workerLog.push(log); },
    onwarn: (ns, log) => workerLog.push(`warn: ${ns} ${log}`),
    onerror: (ns, log) => workerLog.push(`error: ${ns} ${log}`),
  });
  const pool: WorkerPool = await createWorkerPool(1, {
    settings: { logLevel: 'debug', logTags: ['dtls', 'srtp', 'ice'] },
    logger: { info: (m) => t.diagnostic(m), error: (m) => t.diagnostic(`ERROR ${m}`) },
  });
  const worker = pool.next();
  let died: Error | undefined;
  worker.on('died', (e) => { died = e; });
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });

  const transports = new Map<string, types.WebRtcTransport>();
  const dtlsStates = new Map<string, string[]>();
  const producers = new Map<string, types.Producer>();
  const consumers = new Map<string, types.Consumer>();

  const handlers: Record<string, (b: any) => Promise<unknown>> = {
    routerRtpCapabilities: async () => router.rtpCapabilities,
    createTransport: async ({ direction }) => {
      const tr = await router.createWebRtcTransport({
        listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }],
        appData: { direction },
      });
      transports.set(tr.id, tr);
      dtlsStates.set(tr.id, []);
      tr.on('dtlsstatechange', (s) => dtlsStates.get(tr.id)!.push(s));
      return { id: tr.id, iceParameters: tr.iceParameters, iceCandidates: tr.iceCandidates, dtlsParameters: tr.dtlsParameters };
    },
    connectTransport: async ({ transportId, dtlsParameters }) => {
      await transports.get(transportId)!.connect({ dtlsParameters });
      return {};
    },
    produce: async ({ transportId, kind, rtpParameters }) => {
      const p = await transports.get(transportId)!.produce({ kind, rtpParameters });
      producers.set(p.id, p);
      return { id: p.id };
    },
    consume: async ({ transportId, producerId, rtpCapabilities }) => {
      if (!router.canConsume({ producerId, rtpCapabilities })) throw new Error('cannot consume');
      const c = await transports.get(transportId)!.consume({ producerId, rtpCapabilities, paused: true });
      consumers.set(c.id, c);
      return { id: c.id, producerId, kind: c.kind, rtpParameters: c.rtpParameters };
    },
    resumeConsumer: async ({ consumerId }) => {
      await consumers.get(consumerId)!.resume();
      return {};
    },
  };

  const clientJs = await bundleClient();
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'GET' && req.url === '/') return send(200, 'text/html; charset=utf-8', PAGE);
    if (req.method === 'GET' && req.url === '/client.js') return send(200, 'text/javascript', clientJs);
    if (req.url === '/favicon.ico') return send(204, 'image/x-icon', '');
    const m = /^\/api\/(\w+)$/.exec(req.url ?? '');
    const handler = m && req.method === 'POST' ? handlers[m[1]!] : undefined;
    if (!handler) return send(404, 'application/json', '{"error":"not found"}');
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      handler(JSON.parse(body || '{}')).then(
        (r) => send(200, 'application/json', JSON.stringify(r)),
        (e: Error) => send(500, 'application/json', JSON.stringify({ error: e.message })),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close().catch(() => {});
    server.close();
    pool.close();
    mediasoup.setLogEventListeners();
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(msg.text()); });
  await page.goto(`http://127.0.0.1:${port}/`);

  const call = (await page.evaluate('window.runCall()')) as { videoWidth: number; videoHeight: number; firstFrameMs: number };
  t.diagnostic(`first frame ${call.firstFrameMs} ms after the page started the call; video ${call.videoWidth}x${call.videoHeight}`);
  assert.ok(call.videoWidth > 0, `consumer video element has no frame (page errors: ${pageErrors.join('; ') || 'none'})`);

  const s1 = (await page.evaluate('window.sample()')) as Sample;
  // Media flowing is a condition: both inbound counters grow (no fixed pause to hope they did).
  const s2 = await until(async () => {
    const s = (await page.evaluate('window.sample()')) as Sample;
    return s.videoBytes > s1.videoBytes && s.audioBytes > s1.audioBytes && s;
  }, 'inbound video and audio bytes growing');
  t.diagnostic(`inbound video ${s1.videoBytes} -> ${s2.videoBytes} bytes, audio ${s1.audioBytes} -> ${s2.audioBytes} bytes, frames decoded ${s2.framesDecoded}`);
  assert.ok(s2.videoWidth > 0);
  assert.ok(s2.videoBytes > s1.videoBytes, 'inbound video bytes did not grow');
  assert.ok(s2.audioBytes > s1.audioBytes, 'inbound audio bytes did not grow');

  // Server side: both transports completed the DTLS handshake with the browser.
  assert.equal(transports.size, 2);
  for (const tr of transports.values()) {
    assert.equal(tr.dtlsState, 'connected', `transport ${tr.appData.direction}: DTLS ${tr.dtlsState} (${dtlsStates.get(tr.id)!.join(' -> ')})`);
    assert.equal(tr.iceState === 'connected' || tr.iceState === 'completed', true, `ICE ${tr.iceState}`);
  }
  for (const p of producers.values()) {
    const stats = await p.getStats();
    assert.ok(stats.some((s) => s.byteCount > 0), `server producer ${p.kind} received nothing`);
  }
  assert.equal(died, undefined, `worker died: ${String(died)}`);

  const suite = workerLog.map((l) => /chosen SRTP crypto suite: (\S+)/.exec(l)?.[1]).find(Boolean);
  const b = s2.transport;
  t.diagnostic(`server: DTLS connected, SRTP crypto suite ${suite ?? '(not logged)'}; browser: ${b?.tlsVersion === 'FEFD' ? 'DTLS 1.2' : b?.tlsVersion ?? '?'} ${b?.dtlsCipher ?? ''}, SRTP ${b?.srtpCipher ?? '?'}`);
  assert.ok(suite, 'the worker did not log the negotiated SRTP crypto suite');
  assert.equal(pageErrors.length, 0, `page errors: ${pageErrors.join('; ')}`);

  // The browser picks one SRTP suite; the others go through the same libsrtp2 compat layer
  // (build/compat/srtp.h). Loop the browser's video through two SRTP PlainTransports per suite:
  // A consumes it and encrypts, B decrypts and produces it again.
  const video = [...producers.values()].find((p) => p.kind === 'video')!;
  const suites: types.SrtpCryptoSuite[] = ['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];
  for (const srtpCryptoSuite of suites) {
    const opts = { listenInfo: { protocol: 'udp' as const, ip: '127.0.0.1' }, rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite };
    const a = await router.createPlainTransport(opts);
    const b = await router.createPlainTransport(opts);
    await a.connect({ ip: b.tuple.localAddress, port: b.tuple.localPort, srtpParameters: b.srtpParameters! });
    await b.connect({ ip: a.tuple.localAddress, port: a.tuple.localPort, srtpParameters: a.srtpParameters! });
    const out = await a.consume({ producerId: video.id, rtpCapabilities: router.rtpCapabilities });
    const back = await b.produce({ kind: 'video', rtpParameters: out.rtpParameters });
    const bytes = await until(async () => (await back.getStats()).reduce((n, st) => n + st.byteCount, 0) || false, `RTP through an SRTP ${srtpCryptoSuite} PlainTransport pair`);
    t.diagnostic(`SRTP ${srtpCryptoSuite} through the worker: ${bytes} bytes decrypted`);
    assert.ok(bytes > 0, `no RTP came through an SRTP ${srtpCryptoSuite} PlainTransport pair`);
    a.close();
    b.close();
  }
  assert.equal(died, undefined, `worker died: ${String(died)}`);
});
