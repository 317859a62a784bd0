// TURN for real (issue 15): Debian's coturn on loopback with the TURN REST API's shared secret
// (use-auth-secret, as deploy/coturn/turnserver.conf), the media service handing out time-limited
// credentials (turn.ts), and Debian's Chromium forced to iceTransportPolicy 'relay': both the
// party's and the seat's transports connect only through coturn (the selected pair's local
// candidate is a relay candidate, coturn counts the allocations) and the seat decodes the party's
// video. A credential made with the wrong secret, or past its expiry, is refused by coturn.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { freePort } from '@kuaichu/testkit/net';
import { callPagePlugin } from '@kuaichu/testkit/callPage';
import { answer, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { createMedia, type Media } from '../src/index.ts';
import { turnIceServer, type TurnSettings } from '../src/turn.ts';
import { eventually } from './support/signalingClient.ts';

const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const TURNSERVER = '/usr/bin/turnserver';
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

/** A STUN Binding request answered: coturn's UDP listener is up (a condition, not a pause). */
async function stunAnswers(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('message', (m) => (clearTimeout(timer), resolve(m.readUInt16BE(0) === 0x0101)));
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

describe('TURN relay through coturn in Chromium', { skip: !existsSync(CHROMIUM) ? `${CHROMIUM} not found` : !existsSync(TURNSERVER) ? `${TURNSERVER} not found: install Debian's "coturn" (the bootstrap does, as root)` : false }, () => {
  const secret = randomBytes(24).toString('base64url');
  let dir: string;
  let coturn: ChildProcess;
  let coturnLog = '';
  let turn: TurnSettings;
  let t: TestCore;
  let media: Media;
  let browser: Browser;
  let base: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-turn-'));
    const port = await freePort();
    // A relay range of its own, away from the kernel's ephemeral ports (mediasoup's and Chromium's).
    const min = 20000 + (process.pid % 400) * 20;
    writeFileSync(path.join(dir, 'turnserver.conf'), [
      'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `listening-port=${port}`, `min-port=${min}`, `max-port=${min + 19}`,
      'use-auth-secret', `static-auth-secret=${secret}`, 'realm=kuaichu.test', 'fingerprint',
      // The media server is on loopback here; deploy/coturn denies private and loopback peers.
      'allow-loopback-peers', 'no-tls', 'no-dtls', 'no-cli', 'no-tcp-relay',
      `pidfile=${dir}/turnserver.pid`, `userdb=${dir}/turndb`, 'simple-log', 'verbose',
    ].join('\n'));
    // -c only (coturn's -n would ignore the file); the log to stdout.
    coturn = spawn(TURNSERVER, ['-c', path.join(dir, 'turnserver.conf'), '--log-file=stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
    coturn.stdout!.on('data', (d: Buffer) => (coturnLog = (coturnLog + d.toString()).slice(-200_000)));
    coturn.stderr!.on('data', (d: Buffer) => (coturnLog = (coturnLog + d.toString()).slice(-200_000)));
    await eventually(async () => {
      if (coturn.exitCode !== null) throw new Error(`coturn exited ${coturn.exitCode}: ${coturnLog.slice(-2000)}`);
      return stunAnswers(port);
    }, 'coturn answers STUN');

    turn = { secret, urls: [`turn:127.0.0.1:${port}?transport=udp`], ttlSeconds: 600 };
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
    if (coturn && coturn.exitCode === null) {
      const exited = new Promise((r) => coturn.once('exit', r));
      coturn.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(token: string): Promise<Page> {
    const context = await browser.newContext();
    if (token) await context.addCookies([{ name: 'kc_session', value: token, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/media-test/`);
    return page;
  }

  test("party and seat with iceTransportPolicy 'relay': every transport connects through coturn and the seat decodes the party's video", { timeout: 90_000 }, async (tt) => {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13700000061');
    await answer(t, id, seat);
    await eventually(() => media.service.room('harbin', id), 'the room opens when the seat answers');
    const seatPage = await open(seat);
    const partyPage = await open(party);
    await seatPage.evaluate((id) => window.call.join(id, { camera: false, microphone: true, iceTransportPolicy: 'relay' }), id);
    await partyPage.evaluate((id) => window.call.join(id, { camera: true, microphone: true, iceTransportPolicy: 'relay' }), id);
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
        assert.equal(pc.policy, 'relay', `${who}: the client passed iceTransportPolicy to its transports`);
        assert.deepEqual(pc.iceServers, turn.urls, `${who}: the TURN URL the server handed out`);
        assert.equal(pc.local!.type, 'relay', `${who}: the selected pair's local candidate is coturn's relay`);
        assert.equal(pc.local!.relayProtocol, 'udp');
      }
    }
    // coturn saw authenticated allocations with the REST API usernames (<expiry>:<role>-<peer id>), never a phone.
    assert.match(coturnLog, /session \d+: realm <kuaichu\.test> user <\d+:(seat|party_a)-[^>]+>: incoming packet ALLOCATE processed, success/);
    assert.doesNotMatch(coturnLog, /13700000061/);
    await escalate(t, id, seat); // the seat is free for the next test
    await seatPage.context().close();
    await partyPage.context().close();
  });

  test("a credential made with the wrong secret, or expired, is refused: no relay candidate, coturn's 401", { timeout: 30_000 }, async () => {
    const page = await open('');
    // Made by turn.ts as the service makes them, so only the secret or the clock differs; the
    // expiry is relative to now (an hour-long lifetime issued two hours ago) so this holds on any date.
    const good = turnIceServer(turn, 'probe-good');
    const wrongSecret = turnIceServer({ ...turn, secret: `${secret}-not` }, 'probe-wrong-secret');
    const expired = turnIceServer({ ...turn, ttlSeconds: 3600 }, 'probe-expired', Date.now() - 2 * 3600_000);
    assert.ok(Number(expired.username.split(':')[0]) < Date.now() / 1000, 'the expiry is in the past');
    const [control, wrong, old] = await Promise.all([good, wrongSecret, expired].map((server) => page.evaluate((server) => window.call.gatherRelay(server), server)));
    // The same probe gathers coturn's relay with a good credential, so "none" below is coturn's refusal.
    assert.ok(control && control.relay.length >= 1, `a good credential gathers a relay candidate: ${JSON.stringify(control)}`);
    const allocated = new RegExp(`user <${good.username}>: incoming packet ALLOCATE processed, success`);
    await eventually(() => allocated.test(coturnLog), 'coturn logs the good allocation');
    for (const [why, probe, server] of [['wrong secret', wrong, wrongSecret], ['expired', old, expired]] as const) {
      assert.ok(probe);
      assert.deepEqual(probe.relay, [], `${why}: no relay candidate gathered`);
      assert.ok(probe.errors.some((e) => e.code === 401), `${why}: Chromium was told 401: ${JSON.stringify(probe.errors)}`);
      // coturn names the refused request "message" (it is refused before it is read as an ALLOCATE).
      const refused = new RegExp(`user <${server.username}>: incoming packet message processed, error 401`);
      await eventually(() => refused.test(coturnLog), `${why}: coturn logs the 401 for ${server.username}`);
      assert.doesNotMatch(coturnLog, new RegExp(`user <${server.username}>: incoming packet ALLOCATE processed, success`));
    }
    await page.context().close();
  });
});

