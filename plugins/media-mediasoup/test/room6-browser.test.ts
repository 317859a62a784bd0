// A room of six in Chromium (issue 14, Yancheng's 云车通 "five parties in one room"): party A, the
// seat, party B, the insurer's loss adjuster, the repair shop and the mediator, each in a browser
// context of its own signed in by its own session cookie (party B by the SMS link's session, the
// partners by the partner sign-in), join one case's room through the real server; every one of
// them receives and DECODES the video of all five others (framesDecoded per remote track from
// the receivers' getStats, growing), and hears them; a seventh is refused (4429). Screenshots
// of each participant's page go to test-results/yancheng-room/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AppPlugin } from '@kuaichu/core/harness';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { ROOM_ROLES, yanchengRoom, type RoomRole } from '@kuaichu/testkit/yanchengRoom';
import { createMedia, type Media } from '../src/index.ts';
import { eventually } from './support/signalingClient.ts';

const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.resolve(here, '../../../test-results/yancheng-room');
/**
 * Each page encodes one camera and decodes five: 6 encoders and 30 decoders on CI's two cores.
 * Tile-sized cameras (what a six-way tile shows) keep that within the machine; what is proven —
 * every participant decodes every other — does not depend on the size.
 */
const TILE = { width: 320, height: 240, frameRate: 10 };
const CHROMIUM_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--allow-loopback-in-peer-connection'];

type Track = { peerId: string; role: string; kind: 'audio' | 'video'; bytes: number; packets: number; packetsLost: number; framesDecoded: number };
interface RoomWindow {
  call: {
    join(caseId: string, opts: { camera?: boolean; microphone?: boolean; video?: { width: number; height: number; frameRate: number } }): Promise<{ role: string; peers: Array<{ role: string }>; ms: number; startedAt: number }>;
    firstFrame(role: string): Promise<{ at: number; width: number; height: number }>;
    inboundByTrack(): Promise<Track[]>;
  };
}
declare const window: RoomWindow;

describe('a room of six in Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not found` }, () => {
  let t: TestCore;
  let media: Media;
  let browser: Browser;
  let base: string;
  const pageErrors: string[] = [];

  before(async () => {
    const bundle = await build({ entryPoints: [path.join(here, 'browser/callPage.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome110', logLevel: 'silent' });
    const js = bundle.outputFiles[0]!.text;
    const pages: AppPlugin = async (app) => {
      app.get('/media-test/', async (_req, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><title>kuaichu room</title><style>video{width:200px;height:150px;margin:2px;background:#000}</style><body><script src="/media-test/page.js"></script></body>'));
      app.get('/media-test/page.js', async (_req, reply) => reply.type('text/javascript').send(js));
      app.get('/favicon.ico', async (_req, reply) => reply.status(204).send());
    };
    media = createMedia({ workers: 1, recording: { enabled: false }, transport: { listenIp: '127.0.0.1' }, validateOutgoing: true, iceGraceMs: 3000, logger: { debug() {}, info() {}, warn() {}, error: (m) => console.error(m) } });
    t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin, plugins: [pages] });
    await t.core.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.core.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await t?.close();
  });

  async function open(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 860, height: 360 } });
    await context.addCookies([{ name: 'kc_session', value: token, url: base }]);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/media-test/`);
    return page;
  }

  test('six participants: each decodes the video of the five others; a seventh is refused', { timeout: 180_000 }, async (tt) => {
    const room = await yanchengRoom(t);
    await eventually(() => media.service.room('yancheng', room.caseId), 'the room opens when the seat answers');
    const pages = new Map<RoomRole, Page>();
    const joinMs: number[] = [];
    for (const role of ROOM_ROLES) {
      const page = await open(room.tokens[role]);
      const j = await page.evaluate(({ id, video }) => window.call.join(id, { camera: true, microphone: true, video }), { id: room.caseId, video: TILE });
      assert.equal(j.role, role);
      joinMs.push(j.ms);
      pages.set(role, page);
    }
    tt.diagnostic(`join (tap → joined) ms: ${joinMs.join(', ')}`);

    // Every participant has a decoded video (and an audio track) from each of the five others, growing.
    const decodedBy = async (page: Page) => (await page.evaluate(() => window.call.inboundByTrack()));
    for (const [role, page] of pages) {
      const others = ROOM_ROLES.filter((r) => r !== role);
      let seen: Track[] = [];
      const first = await eventually(async () => {
        const tracks = (seen = await decodedBy(page));
        return others.every((o) => tracks.some((x) => x.role === o && x.kind === 'video' && x.framesDecoded > 0) && tracks.some((x) => x.role === o && x.kind === 'audio' && x.bytes > 0)) && tracks;
      }, `${role} decodes the video of all five others`).catch((e: Error) => {
        // Which of the others is missing, and how far each track got, says where it stopped.
        throw new Error(`${e.message}; tracks: ${JSON.stringify(seen.map((x) => [x.role, x.kind, x.packets, x.framesDecoded]))}; server: ${JSON.stringify(media.service.room('yancheng', room.caseId)?.joinedPeers().map((p) => p.role))}`);
      });
      const later = await eventually(async () => {
        const tracks = await decodedBy(page);
        return others.every((o) => tracks.find((x) => x.role === o && x.kind === 'video')!.framesDecoded > first.find((x) => x.role === o && x.kind === 'video')!.framesDecoded) && tracks;
      }, `${role}'s decoded frames keep growing`);
      for (const o of others) assert.ok((await page.evaluate((o) => window.call.firstFrame(o), o)).width > 0, `${role} shows ${o}'s video`);
      const video = later.filter((x) => x.kind === 'video');
      const lost = video.reduce((a, x) => a + x.packetsLost, 0), packets = video.reduce((a, x) => a + x.packets, 0);
      tt.diagnostic(`${role}: frames decoded per sender ${video.map((x) => `${x.role}=${x.framesDecoded}`).join(' ')}; video loss ${packets ? ((100 * lost) / (packets + lost)).toFixed(2) : 0} %`);
      await page.screenshot({ path: path.join(SHOTS, `${role}.png`) });
    }

    // A seventh (an officer) is refused: the room holds six.
    const seventh = await open(await t.staff('yancheng', 'officer'));
    const refused = await seventh.evaluate((id) => window.call.join(id, { camera: true, microphone: true }).then(() => 'joined', (e: Error & { code?: string }) => `${e.code} ${e.message}`), room.caseId);
    assert.notEqual(refused, 'joined');
    assert.match(refused, /^WS_4429 /, 'closed with 4429: the room is full');
    await seventh.screenshot({ path: path.join(SHOTS, 'seventh-refused.png') });
    assert.deepEqual(media.service.room('yancheng', room.caseId)!.joinedPeers().map((p) => p.role).sort(), [...ROOM_ROLES].sort());
    assert.deepEqual(pageErrors.filter((e) => !/4429|socket closed/.test(e)), []);
  });
});
