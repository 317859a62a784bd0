// Real calls through the real server: Debian's Chromium (fake camera and microphone) opens the
// party's page and the seat's page, served by the app itself, and the call is placed through
// kuaichu's HTTP API and the media plugin's WebSocket, with the session cookie as the only
// credential. Asserts what the issue asks: the seat sees the party's frames, audio flows both ways,
// the camera switch keeps the call up, a photo is taken from the video, a forced drop and 继续处理
// resume the same case, and the recording parts exist, decode and last as long as the call parts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AppPlugin } from '@kuaichu/core/harness';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { createMedia, type Media, type StoredRecording } from '../src/index.ts';
import type { MediaStats } from '../src/signaling/messages.ts';
import { eventually } from './support/signalingClient.ts';
import { answer, caseState, escalate, reported, seatReady } from '@kuaichu/testkit/cases';

const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const FFPROBE = '/usr/bin/ffprobe';
const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update',
  '--allow-loopback-in-peer-connection', // only loopback in CI namespaces: ICE needs it
];

type Inbound = { videoBytes: number; audioBytes: number; framesDecoded: number; videoPackets: number; videoPacketsLost: number; audioPackets: number; audioPacketsLost: number };
type Log = Array<{ at: number; event: string; detail: Record<string, unknown> | null }>;
interface CallWindow {
  call: {
    log: Log;
    join(caseId: string, opts: { camera?: boolean; microphone?: boolean; simulcast?: boolean; video?: { width: number; height: number; frameRate: number } }): Promise<{ role: string; peerId: string; caseId: string; peers: Array<{ role: string }>; recording: boolean; ms: number; startedAt: number }>;
    firstFrame(role: string): Promise<{ at: number; width: number; height: number }>;
    videoSize(role: string): { width: number; height: number } | null;
    inbound(): Promise<Inbound>;
    stats(): Promise<MediaStats>;
    producerId(source: 'camera' | 'microphone'): string | undefined;
    remote(): Array<{ role: string; kind: string; source: string }>;
    switchCamera(): Promise<void>;
    restartIce(): Promise<void>;
    capture(caseId: string, item: string, token: string): Promise<{ width: number; height: number; bytes: number; average: number[]; stored: { id: string; sha256: string; contentType: string } }>;
    drop(): void;
    videoRtp(): Promise<{ outbound: Array<{ rid: string | null; width: number; height: number; fps: number; bytesSent: number; limitation: string }>; inbound: Array<{ width: number; height: number; framesDecoded: number; fps: number; bytesReceived: number }> }>;
  };
}
declare const window: CallWindow;

/** Waits until `page`'s inbound counters have grown past `from` as `grew` demands (media flowing, not a fixed pause). */
async function flowing(page: Page, from: Inbound, grew: (now: Inbound, from: Inbound) => boolean, what: string): Promise<Inbound> {
  return eventually(async () => {
    const now = await page.evaluate(() => window.call.inbound());
    return grew(now, from) && now;
  }, what);
}

/** Width and height from a JPEG's start-of-frame marker. */
function jpegSize(b: Buffer): { width: number; height: number } {
  let i = 2;
  while (i < b.length) {
    const marker = b[i + 1]!;
    const len = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

function probe(file: string): { streams: string[]; duration: number; decodeErrors: string } {
  const p = spawnSync(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const j = JSON.parse(p.stdout) as { streams: Array<{ codec_name: string }>; format: { duration: string } };
  // A full decode of every stream (-xerror: stop at the first error): a file that only looks right
  // fails here. The null muxer's own complaints about frame timing are not decoding errors.
  const d = spawnSync('/usr/bin/ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-map', '0', '-fps_mode', 'passthrough', '-f', 'null', '-'], { encoding: 'utf8' });
  const errors = d.stderr.split('\n').filter((l) => l.trim() && !/to muxer|Last message repeated/.test(l)).join('\n');
  return { streams: j.streams.map((s) => s.codec_name), duration: Number(j.format.duration), decodeErrors: d.status === 0 ? errors : `exit ${d.status}: ${d.stderr}` };
}

describe('video calls in Chromium through the real server', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: install Debian's "chromium" package (the bootstrap does, as root)` }, () => {
  let t: TestCore;
  let media: Media;
  let browser: Browser;
  let base: string;
  const stored: StoredRecording[] = [];
  const pageErrors: string[] = [];
  const logLines: string[] = [];

  before(async () => {
    const bundle = await build({ entryPoints: [path.join(here, 'browser/callPage.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome110', logLevel: 'silent' });
    const js = bundle.outputFiles[0]!.text;
    const pages: AppPlugin = async (app) => {
      app.get('/media-test/', async (_req, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><title>kuaichu call</title><body><script src="/media-test/page.js"></script></body>'));
      app.get('/media-test/page.js', async (_req, reply) => reply.type('text/javascript').send(js));
      app.get('/favicon.ico', async (_req, reply) => reply.status(204).send());
    };
    const log = (level: string) => (m: string) => {
      logLines.push(`${level} ${m}`);
      if (process.env.KUAICHU_MEDIA_LOG) console.error(`${new Date().toISOString().slice(11, 23)} ${level} ${m}`);
    };
    media = createMedia({
      workers: 1, transport: { listenIp: '127.0.0.1' }, validateOutgoing: true, iceGraceMs: 3000,
      logger: { debug() {}, info: log('info'), warn: log('warn'), error: log('error') },
    });
    t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin, plugins: [pages] });
    media.service.on('recordingStored', (r) => stored.push(r));
    await t.core.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.core.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await t?.close();
  });

  /** A page signed in as `token` (the session cookie is what authorises the media socket). */
  async function open(token: string): Promise<Page> {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'kc_session', value: token, url: base }]);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
    await page.goto(`${base}/media-test/`);
    return page;
  }

  const inbound = (p: Page) => p.evaluate(() => window.call.inbound());
  const logOf = (p: Page) => p.evaluate(() => window.call.log);

  test('party and seat: video and audio both ways, camera switch, photo from video, drop and 继续处理, recordings', { timeout: 120_000 }, async (tt) => {
    const seat = await seatReady(t);
    const officer = await t.staff('harbin', 'officer');
    const { id, party } = await reported(t, '13700000001');
    await answer(t, id, seat);
    const room = await eventually(() => media.service.room('harbin', id), 'the room opens when the seat answers');

    const seatPage = await open(seat);
    const partyPage = await open(party);
    const seatJoin = await seatPage.evaluate((id) => window.call.join(id, { camera: false, microphone: true }), id);
    assert.equal(seatJoin.role, 'seat');
    const partyJoin = await partyPage.evaluate((id) => window.call.join(id, { camera: true, microphone: true }), id);
    assert.equal(partyJoin.role, 'party_a');
    assert.equal(partyJoin.caseId, id);
    const frame = await seatPage.evaluate(() => window.call.firstFrame('party_a'));
    tt.diagnostic(`join: party tap → first frame at the seat ${frame.at - partyJoin.startedAt} ms (party joined in ${partyJoin.ms} ms); video ${frame.width}x${frame.height}`);
    assert.ok(frame.width > 0 && frame.height > 0, "the seat's video element shows the party's frames");

    // Media flows both ways: the seat receives the party's video and voice, the party the seat's voice.
    const s1 = await inbound(seatPage);
    const p1 = await inbound(partyPage);
    const s2 = await flowing(seatPage, s1, (n, f) => n.videoBytes > f.videoBytes && n.framesDecoded > f.framesDecoded, 'video reaches the seat');
    await flowing(seatPage, s1, (n, f) => n.audioBytes > f.audioBytes, "the party's voice reaches the seat");
    const p2 = await flowing(partyPage, p1, (n, f) => n.audioBytes > f.audioBytes, "the seat's voice reaches the party");
    tt.diagnostic(`seat receives video ${s2.videoBytes - s1.videoBytes} B, audio ${s2.audioBytes - s1.audioBytes} B; party receives audio ${p2.audioBytes - p1.audioBytes} B`);

    // Room stats for the seat's console.
    const stats = await eventually(async () => {
      const st = await seatPage.evaluate(() => window.call.stats());
      return st.producers.some((p) => p.role === 'party_a' && p.kind === 'video' && p.bitrate > 0) && st.consumers.some((c) => c.roundTripTime !== undefined) && st;
    }, 'stats with bitrate and RTT');
    const v = stats.producers.find((p) => p.role === 'party_a' && p.kind === 'video')!;
    const rtt = stats.consumers.find((c) => c.roundTripTime !== undefined)!.roundTripTime!;
    tt.diagnostic(`stats: party video ${Math.round(v.bitrate / 1000)} kbit/s, loss ${v.lossPercent} %, RTT ${rtt} ms; seat transports ${stats.transports.map((x) => `${x.direction}:${x.iceState}/${x.dtlsState}`).join(' ')}`);
    assert.ok(v.lossPercent < 1);
    assert.ok(stats.transports.every((x) => x.dtlsState === 'connected'));

    // Camera switch: the same producer and transports, another track (a red "back camera", 320×240).
    const partyPeer = room.joinedPeers().find((p) => p.role === 'party_a')!;
    const before = { producer: await partyPage.evaluate(() => window.call.producerId('camera')), transports: partyPeer.getTransports().map((x) => x.id).sort() };
    const b1 = await inbound(seatPage);
    await partyPage.evaluate(() => window.call.switchCamera());
    const switched = await eventually(async () => {
      const size = await seatPage.evaluate(() => window.call.videoSize('party_a'));
      return size?.width === 320 && size;
    }, 'the seat sees the other camera');
    assert.deepEqual(switched, { width: 320, height: 240 });
    assert.equal(await partyPage.evaluate(() => window.call.producerId('camera')), before.producer, 'the same producer');
    assert.deepEqual(partyPeer.getTransports().map((x) => x.id).sort(), before.transports, 'no new transport');
    await flowing(seatPage, b1, (n, f) => n.videoBytes > f.videoBytes, 'the call stays up');

    // ICE restart on the transports that survive (a network change with the socket still up).
    await partyPage.evaluate(() => window.call.restartIce());
    const i1 = await inbound(seatPage);
    await flowing(seatPage, i1, (n, f) => n.videoBytes > f.videoBytes, 'media flows after the ICE restart');
    assert.ok(logLines.some((l) => l.includes('ICE restart')), 'the server restarted ICE');
    assert.deepEqual(partyPeer.getTransports().map((x) => x.id).sort(), before.transports, 'on the same transports');

    // Photo from video: the seat captures the party's current frame and stores it as evidence.
    const shot = await seatPage.evaluate(([id, token]) => window.call.capture(id, 'parties_photo', token), [id, seat] as const);
    tt.diagnostic(`capture: ${shot.width}x${shot.height} JPEG, ${shot.bytes} B, average colour ${shot.average.join(',')}`);
    assert.deepEqual([shot.width, shot.height], [320, 240], 'at the resolution received');
    assert.ok(shot.average[0]! > 150 && shot.average[1]! < 90 && shot.average[2]! < 90, "it is the party's red back camera");
    assert.equal(shot.stored.contentType, 'image/jpeg');
    const photo = await t.call('GET', `/api/cases/${id}/files/${shot.stored.sha256}`, { token: seat });
    assert.equal(photo.statusCode, 200);
    assert.deepEqual(jpegSize(photo.rawPayload), { width: 320, height: 240 });

    // A forced drop: the party's network goes. The plugin drops the call; the seat sees the party leave.
    const partyFirstJoin = partyJoin.startedAt;
    // A call part worth recording: a few seconds of the party's video decoded at the seat (counted in frames, not slept).
    await flowing(seatPage, s1, (n, f) => n.framesDecoded - f.framesDecoded >= 60, 'a few seconds of call');
    const dropAt = Date.now();
    await partyPage.evaluate(() => window.call.drop());
    await eventually(async () => (await logOf(seatPage)).some((e) => e.event === 'peerLeft' && e.detail?.role === 'party_a'), 'the seat sees the party leave');
    await eventually(async () => (await caseState(t, id, seat)) === 'interrupted', 'call.dropped');

    // 继续处理: the same case, queued at the front for the same seat, answered, rejoined.
    const resumed = await t.call('POST', `/api/cases/${id}/resume`, { token: party });
    assert.equal(resumed.statusCode, 200, resumed.body);
    assert.equal(resumed.json().id, id);
    await answer(t, id, seat);
    const rejoin = await partyPage.evaluate((id) => window.call.join(id, { camera: true, microphone: true }), id);
    assert.equal(media.service.room('harbin', id), room, 'the same room');
    assert.deepEqual(rejoin.peers.map((p) => p.role), ['seat']);
    await eventually(async () => (await logOf(seatPage)).some((e) => e.event === 'peerJoined' && e.detail?.role === 'party_a' && e.at >= dropAt), 'the seat sees the party return');
    const frame2 = await seatPage.evaluate(() => window.call.firstFrame('party_a'));
    tt.diagnostic(`resume: party tap → first frame at the seat ${frame2.at - rejoin.startedAt} ms`);
    const r1 = await inbound(seatPage);
    await flowing(seatPage, r1, (n, f) => n.videoBytes > f.videoBytes && n.audioBytes > f.audioBytes, 'media flows again after the resume');

    // The call ends (here: escalated to on-site police) after a second part of some frames: the room closes and the part is stored.
    await flowing(seatPage, r1, (n, f) => n.framesDecoded - f.framesDecoded >= 45, 'a second part of the call');
    const endAt = Date.now();
    await escalate(t, id, seat);
    await eventually(() => room.closed, 'the room closes');
    await media.service.settled();
    assert.ok((await logOf(seatPage)).some((e) => e.event === 'closed' && e.detail?.code === 4000));

    const view = (await t.call('GET', `/api/cases/${id}`, { token: officer })).json();
    assert.equal(view.chain.ok, true, 'the evidence chain holds');
    const recordings = (view.evidence as Array<{ item: string; createdBy: string; data: Record<string, number | string>; file: { url: string; contentType: string; size: number } }>).filter((e) => e.item === 'recording');
    assert.equal(recordings.length, 2, `one recording per part of the call (${logLines.filter((l) => !l.startsWith('info')).join(' | ')})`);
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-rec-'));
    let covered = 0;
    for (const [i, r] of recordings.entries()) {
      assert.equal(r.createdBy, 'system');
      assert.equal(r.file.contentType, 'video/webm');
      const file = await t.call('GET', r.file.url, { token: officer }); // the officer desk plays it back
      assert.equal(file.statusCode, 200);
      const f = path.join(dir, `part-${i + 1}.webm`);
      writeFileSync(f, file.rawPayload);
      const p = probe(f);
      const wall = Number(r.data.durationSeconds);
      tt.diagnostic(`recording part ${r.data.part}: ${r.file.size} B, ${p.streams.join('+')}, media ${p.duration} s, wall clock ${wall} s (${r.data.startedAt} → ${r.data.endedAt})`);
      assert.equal(p.decodeErrors, '', 'decodes without errors');
      assert.deepEqual(p.streams, ['vp8', 'opus', 'opus', 'opus'], 'video, the mix, the party, the seat');
      assert.ok(Math.abs(p.duration - wall) < 1.5, `media ${p.duration} s vs part ${wall} s`);
      covered += wall;
    }
    const [first, second] = recordings.map((r) => ({ start: Date.parse(String(r.data.startedAt)), end: Date.parse(String(r.data.endedAt)) }));
    // Order, not timing: part 1 lies between the party's join and the drop being noticed, part 2 between the
    // rejoin and the room's close; the parts never overlap.
    assert.ok(first!.start >= partyFirstJoin && first!.start < dropAt, 'part 1 starts with the call, before the drop');
    assert.ok(first!.end >= dropAt && first!.end <= second!.start, 'part 1 ends at the drop, before part 2');
    assert.ok(second!.start >= rejoin.startedAt && second!.start < endAt, 'part 2 starts when the party is back');
    assert.ok(second!.end >= endAt, 'part 2 ends with the call');
    const callSeconds = (dropAt - partyFirstJoin + (endAt - rejoin.startedAt)) / 1000;
    tt.diagnostic(`the parts cover ${covered.toFixed(1)} s of ${callSeconds.toFixed(1)} s of call (each part starts once the party's media flows)`);
    assert.deepEqual(stored.filter((s) => s.caseId === id).map((s) => s.part), [1, 2]);
    assert.deepEqual(pageErrors, []);
  });

  test("the party's camera in simulcast (issue 15, weak roadside networks): its layers reach the server, the seat decodes the full one, the recording holds it", { timeout: 90_000 }, async (tt) => {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13700000003');
    await answer(t, id, seat);
    const [seatPage, partyPage] = [await open(seat), await open(party)];
    await seatPage.evaluate((id) => window.call.join(id, { microphone: true }), id);
    // 640×480, as the party app asks its camera for: two layers (simulcastLayers).
    await partyPage.evaluate((id) => window.call.join(id, { camera: true, microphone: true, simulcast: true, video: { width: 640, height: 480, frameRate: 20 } }), id);
    const camera = media.service.room('harbin', id)!.joinedPeers().find((p) => p.role === 'party_a')!.producerOf('camera')!;
    assert.equal(camera.type, 'simulcast', 'the server holds a simulcast producer');
    assert.equal(camera.rtpParameters.encodings?.length, 2, 'two layers');
    // Each layer is sent: ½ and full size of the camera.
    let sent: Array<{ rid: string | null; width: number; height: number; bytesSent: number; limitation: string }> = [];
    const layers = await eventually(async () => {
      sent = (await partyPage.evaluate(() => window.call.videoRtp())).outbound;
      return sent.length === 2 && sent.every((l) => l.bytesSent > 0 && l.height > 0) && sent;
    }, 'the party sends both layers').catch((err: Error) => assert.fail(`${err.message}; the party's outbound video: ${JSON.stringify(sent)}`));
    tt.diagnostic(`party layers: ${layers.map((l) => `${l.rid ?? '-'} ${l.width}×${l.height}`).join(', ')}`);
    assert.deepEqual(layers.map((l) => l.height).sort((a, b) => a - b), [240, 480]);
    // On a clean path the server forwards the top layer: the seat decodes the camera at full size.
    let seen: unknown = null;
    const full = await eventually(async () => {
      const size = await seatPage.evaluate(() => window.call.videoSize('party_a'));
      seen = size;
      return size?.height === 480 && size;
    }, 'the seat decodes the full layer').catch((err: Error) => assert.fail(`${err.message}; the seat decodes ${JSON.stringify(seen)}`));
    tt.diagnostic(`seat decodes ${full.width}×${full.height}`);
    const r0 = await inbound(seatPage);
    await flowing(seatPage, r0, (n, f) => n.framesDecoded - f.framesDecoded >= 30, 'frames keep arriving');
    await escalate(t, id, seat);
    await eventually(() => !media.service.room('harbin', id), 'closed');
    await media.service.settled();
    const officer = await t.staff('harbin', 'officer');
    const view = (await t.call('GET', `/api/cases/${id}`, { token: officer })).json();
    const recordings = (view.evidence as Array<{ item: string; file: { url: string } }>).filter((e) => e.item === 'recording');
    assert.equal(recordings.length, 1, 'the call is recorded');
    const file = await t.call('GET', recordings[0]!.file.url, { token: officer });
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-rec-'));
    writeFileSync(path.join(dir, 'simulcast.webm'), file.rawPayload);
    const p = probe(path.join(dir, 'simulcast.webm'));
    assert.equal(p.decodeErrors, '', 'the recording of a simulcast camera decodes');
    assert.equal(p.streams[0], 'vp8');
    assert.deepEqual(pageErrors, []);
  });

  test('three participants: party, seat and an officer see and hear each other', { timeout: 60_000 }, async (tt) => {
    const seat = await seatReady(t);
    const officer = await t.staff('harbin', 'officer');
    const { id, party } = await reported(t, '13700000002');
    await answer(t, id, seat);
    const [seatPage, partyPage, officerPage] = [await open(seat), await open(party), await open(officer)];
    await seatPage.evaluate((id) => window.call.join(id, { microphone: true }), id);
    await partyPage.evaluate((id) => window.call.join(id, { camera: true, microphone: true }), id);
    const o = await officerPage.evaluate((id) => window.call.join(id, { microphone: true }), id);
    assert.equal(o.role, 'officer');
    assert.deepEqual(o.peers.map((p) => p.role).sort(), ['party_a', 'seat']);
    await seatPage.evaluate(() => window.call.firstFrame('party_a'));
    const of = await officerPage.evaluate(() => window.call.firstFrame('party_a'));
    assert.ok(of.width > 0, "the officer sees the party's video");
    await eventually(async () => (await partyPage.evaluate(() => window.call.remote())).filter((r) => r.kind === 'audio').length === 2 && true, 'the party hears the seat and the officer');
    const before = await Promise.all([seatPage, partyPage, officerPage].map(inbound));
    const both = (n: Inbound, f: Inbound) => n.videoBytes > f.videoBytes && n.audioBytes > f.audioBytes;
    const after = await Promise.all([
      flowing(seatPage, before[0]!, both, "the seat receives the party's video and voice"),
      flowing(partyPage, before[1]!, (n, f) => n.audioBytes > f.audioBytes, 'the party hears the others'),
      flowing(officerPage, before[2]!, both, "the officer receives the party's video and voice"),
    ]);
    const [s, p, off] = after.map((a, i) => ({ video: a.videoBytes - before[i]!.videoBytes, audio: a.audioBytes - before[i]!.audioBytes }));
    tt.diagnostic(`seat video ${s!.video} B audio ${s!.audio} B; party audio ${p!.audio} B (two voices); officer video ${off!.video} B audio ${off!.audio} B`);
    assert.ok(s!.video > 0 && s!.audio > 0 && off!.video > 0 && off!.audio > 0 && p!.audio > 0);
    assert.deepEqual((await seatPage.evaluate(() => window.call.remote())).map((r) => `${r.role}:${r.kind}`).sort(), ['officer:audio', 'party_a:audio', 'party_a:video']);
    assert.deepEqual(media.service.room('harbin', id)!.serialize().peers.map((x) => x.role).sort(), ['officer', 'party_a', 'seat']);
    await escalate(t, id, seat);
    await eventually(() => !media.service.room('harbin', id), 'closed');
    await media.service.settled();
    assert.deepEqual(pageErrors, []);
  });
});
