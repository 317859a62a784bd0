// TURN for real (issue 15): Debian's coturn on loopback, configured from deploy/coturn/turnserver.conf
// (testkit/coturn: the TURN REST API's shared secret, use-auth-secret), the media service handing
// out time-limited credentials (turn.ts), with the policy 'relay' (KUAICHU_TURN_POLICY), and Debian's Chromium: both the
// party's and the seat's transports connect only through coturn (the selected pair's local
// candidate is a relay candidate, coturn counts the allocations) and the seat decodes the party's
// video. A credential made with the wrong secret, or past its expiry, is refused by coturn.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { startCoturn, TURNSERVER, type TestCoturn } from '@kuaichu/testkit/coturn';
import { callPagePlugin } from '@kuaichu/testkit/callPage';
import { answer, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { createMedia, type Media } from '../src/index.ts';
import { turnIceServer, type TurnSettings } from '../src/turn.ts';
import { eventually } from './support/signalingClient.ts';

const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update',
  '--allow-loopback-in-peer-connection',
];

type Candidate = { type: string; address: string; port: number; relayProtocol: string | null } | null;
type Ice = Array<{ policy: string; iceServers: string[]; state: string; gathering: string; relayCandidates: number; local: Candidate; remote: Candidate }>;
type Inbound = { videoBytes: number; framesDecoded: number };
interface CallWindow {
  call: {
    join(caseId: string, opts: { camera?: boolean; microphone?: boolean; iceTransportPolicy?: 'all' | 'relay' }): Promise<{ role: string }>;
    firstFrame(role: string, timeoutMs?: number): Promise<{ width: number; height: number }>;
    inbound(): Promise<Inbound>;
    ice(): Promise<Ice>;
    drop(): void;
    gatherRelay(server: { urls: string[]; username: string; credential: string }): Promise<{ relay: string[]; errors: Array<{ code: number; text: string }> }>;
  };
}
declare const window: CallWindow;

describe('TURN relay through coturn in Chromium', { skip: !existsSync(CHROMIUM) ? `${CHROMIUM} not found` : !existsSync(TURNSERVER) ? `${TURNSERVER} not found: install Debian's "coturn" (the bootstrap does, as root)` : false }, () => {
  let coturn: TestCoturn;
  let turn: TurnSettings;
  let t: TestCore;
  let media: Media;
  let browser: Browser;
  let base: string;

  before(async () => {
    coturn = await startCoturn();
    // 'relay' as KUAICHU_TURN_POLICY=relay sets it: the clients get the policy with their transports.
    turn = { secret: coturn.secret, urls: coturn.urls, ttlSeconds: 600, policy: 'relay' };
    const pages = await callPagePlugin();
    const quiet = () => {};
    media = createMedia({
      workers: 1, recording: { enabled: false }, transport: { listenIp: '127.0.0.1', turn }, iceGraceMs: 3000,
      logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
    t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin, plugins: [pages] });
    await t.core.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.core.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await t?.close();
    await coturn?.stop();
  });

  async function open(token: string): Promise<Page> {
    const context = await browser.newContext();
    if (token) await context.addCookies([{ name: 'kc_session', value: token, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/media-test/`);
    return page;
  }

  test("a server with TURN policy 'relay': party's and seat's transports, told so by the server, all connects through coturn and the seat decodes the party's video", { timeout: 90_000 }, async (tt) => {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13700000061');
    await answer(t, id, seat);
    await eventually(() => media.service.room('harbin', id), 'the room opens when the seat answers');
    const seatPage = await open(seat);
    const partyPage = await open(party);
    await seatPage.evaluate((id) => window.call.join(id, { camera: false, microphone: true }), id);
    await partyPage.evaluate((id) => window.call.join(id, { camera: true, microphone: true }), id);
    const frame = await seatPage.evaluate(() => window.call.firstFrame('party_a', 30_000));
    assert.ok(frame.width > 0, "the seat's video shows the party's frames");
    const before = await seatPage.evaluate(() => window.call.inbound());
    await eventually(async () => (await seatPage.evaluate(() => window.call.inbound())).framesDecoded > before.framesDecoded + 10, 'video keeps arriving through the relay');

    for (const [who, page] of [['seat', seatPage], ['party', partyPage]] as const) {
      let seen: unknown = null;
      const ice = await eventually(async () => {
        // The transports (mediasoup-client's capability probes are closed at once; a transport nothing
        // was sent or received on stays 'new').
        const all = await page.evaluate(() => window.call.ice());
        seen = all;
        const now = all.filter((pc) => pc.state !== 'new' && pc.state !== 'closed');
        return now.length >= 1 && now.every((pc) => pc.state === 'connected' && pc.local) && now;
      }, `${who}: its transports connected`).catch((err: Error) => {
        throw new Error(`${err.message}; last seen: ${JSON.stringify(seen)}`);
      });
      tt.diagnostic(`${who}: ${ice.map((pc) => `${pc.policy} ${pc.local!.type}/${pc.local!.relayProtocol} ${pc.local!.address}:${pc.local!.port} → ${pc.remote!.type} ${pc.remote!.address}:${pc.remote!.port}`).join('; ')}`);
      for (const pc of ice) {
        assert.equal(pc.policy, 'relay', `${who}: the server's policy reached its transports`);
        assert.deepEqual(pc.iceServers, turn.urls, `${who}: the TURN URL the server handed out`);
        assert.equal(pc.local!.type, 'relay', `${who}: the selected pair's local candidate is coturn's relay`);
        assert.equal(pc.local!.relayProtocol, 'udp');
      }
    }
    // coturn saw authenticated allocations with the REST API usernames (<expiry>:<role>-<peer id>), never a phone.
    assert.match(coturn.log(), /session \d+: realm <[^>]+> user <\d+:(seat|party_a)-[^>]+>: incoming packet ALLOCATE processed, success/);
    assert.doesNotMatch(coturn.log(), /13700000061/);
    await escalate(t, id, seat); // the seat is free for the next test
    await seatPage.context().close();
    await partyPage.context().close();
  });

  test("a credential made with the wrong secret, or expired, is refused: no relay candidate, coturn's 401", { timeout: 30_000 }, async () => {
    const page = await open('');
    // Made by turn.ts as the service makes them, so only the secret or the clock differs; the
    // expiry is relative to now (an hour-long lifetime issued two hours ago) so this holds on any date.
    const good = turnIceServer(turn, 'probe-good');
    const wrongSecret = turnIceServer({ ...turn, secret: `${coturn.secret}-not` }, 'probe-wrong-secret');
    const expired = turnIceServer({ ...turn, ttlSeconds: 3600 }, 'probe-expired', Date.now() - 2 * 3600_000);
    assert.ok(Number(expired.username.split(':')[0]) < Date.now() / 1000, 'the expiry is in the past');
    const [control, wrong, old] = await Promise.all([good, wrongSecret, expired].map((server) => page.evaluate((server) => window.call.gatherRelay(server), server)));
    // The same probe gathers coturn's relay with a good credential, so "none" below is coturn's refusal.
    assert.ok(control && control.relay.length >= 1, `a good credential gathers a relay candidate: ${JSON.stringify(control)}`);
    const allocated = new RegExp(`user <${good.username}>: incoming packet ALLOCATE processed, success`);
    await eventually(() => allocated.test(coturn.log()), 'coturn logs the good allocation');
    for (const [why, probe, server] of [['wrong secret', wrong, wrongSecret], ['expired', old, expired]] as const) {
      assert.ok(probe);
      assert.deepEqual(probe.relay, [], `${why}: no relay candidate gathered`);
      assert.ok(probe.errors.some((e) => e.code === 401), `${why}: Chromium was told 401: ${JSON.stringify(probe.errors)}`);
      // coturn names the refused request "message" (it is refused before it is read as an ALLOCATE).
      const refused = new RegExp(`user <${server.username}>: incoming packet message processed, error 401`);
      await eventually(() => refused.test(coturn.log()), `${why}: coturn logs the 401 for ${server.username}`);
      assert.doesNotMatch(coturn.log(), new RegExp(`user <${server.username}>: incoming packet ALLOCATE processed, success`));
    }
    await page.context().close();
  });
});

