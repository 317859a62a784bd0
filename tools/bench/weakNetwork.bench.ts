/**
 * `npm run bench:weaknet`: the party's camera over a weak roadside link (issue 15). Prints
 * figures; asserts nothing. Needs root (it makes a network namespace) and Debian's Chromium.
 *
 * The party's Chromium runs in a network namespace of its own, joined to the server by a veth
 * pair; the server and the seat's Chromium stay outside. Each run is one real call (fake camera
 * 640×480 at 20 fps as the party app asks, microphone) in three phases:
 *   clean    the link as is, BENCH_WEAK_CLEAN seconds (default 15);
 *   weak     `tc netem rate 300kbit loss 5% delay 200ms` on both ends of the pair (each direction
 *            300 kbit/s, 5 % loss, 200 ms), BENCH_WEAK_SECONDS (default 30);
 *   recovery the link clean again, until the seat decodes the size it decoded in the clean phase
 *            (at most 60 s): how fast video recovers.
 * Every second, at the seat: frames decoded, the decoded frame size; at the party: the layers sent.
 * Runs with the camera in simulcast (as the party app sends it) and, for comparison, as one stream
 * (BENCH_WEAK_MODES, default "simulcast,single").
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMedia } from '@kuaichu/plugin-media-mediasoup';
import { startTestCore } from '@kuaichu/testkit/core';
import { answer, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { callPagePlugin } from '@kuaichu/testkit/callPage';

const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const CLEAN = Number(process.env.BENCH_WEAK_CLEAN ?? 15);
const WEAK = Number(process.env.BENCH_WEAK_SECONDS ?? 30);
const MODES = (process.env.BENCH_WEAK_MODES ?? 'simulcast,single').split(',').map((m) => m.trim()) as Array<'simulcast' | 'single'>;
const IMPAIRMENT = ['rate', '300kbit', 'loss', '5%', 'delay', '200ms'];
const SERVER_IP = '10.201.0.1';
const PARTY_IP = '10.201.0.2';
const ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

const ns = `kcweak${process.pid}`;
const hostEnd = `kcw${process.pid % 100000}h`;
const partyEnd = `kcw${process.pid % 100000}p`;
const sh = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (...args: string[]) => sh('ip', 'netns', 'exec', ns, ...args);

type Rtp = { outbound: Array<{ rid: string | null; height: number; bytesSent: number }>; inbound: Array<{ height: number; framesDecoded: number }> };
type W = { call: { join(id: string, o: object): Promise<{ ms: number }>; videoRtp(): Promise<Rtp> } };
interface Second { phase: string; frames: number; height: number; layers: string }

function link(up: boolean): void {
  if (up) {
    sh('ip', 'netns', 'add', ns);
    sh('ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', partyEnd);
    sh('ip', 'link', 'set', partyEnd, 'netns', ns);
    sh('ip', 'addr', 'add', `${SERVER_IP}/30`, 'dev', hostEnd);
    sh('ip', 'link', 'set', hostEnd, 'up');
    inNs('ip', 'addr', 'add', `${PARTY_IP}/30`, 'dev', partyEnd);
    inNs('ip', 'link', 'set', partyEnd, 'up');
    inNs('ip', 'link', 'set', 'lo', 'up');
  } else {
    try { sh('ip', 'link', 'del', hostEnd); } catch { /* gone with the namespace */ }
    try { sh('ip', 'netns', 'del', ns); } catch { /* never made */ }
  }
}

/**
 * What the weak link is on this kernel: netem (rate, loss, delay) where the kernel has sch_netem;
 * otherwise (some VM kernels: no netem, no gact) only the rate, with tbf, whose queue holds at
 * most 200 ms — loss and fixed delay cannot be made there, and the figures say so.
 */
let impairment = `netem ${IMPAIRMENT.join(' ')}`;
function impair(on: boolean): void {
  for (const [run, dev] of [[sh, hostEnd], [inNs, partyEnd]] as const) {
    if (!on) {
      run('tc', 'qdisc', 'del', 'dev', dev, 'root');
      continue;
    }
    try {
      if (!impairment.startsWith('tbf')) {
        run('tc', 'qdisc', 'add', 'dev', dev, 'root', 'netem', ...IMPAIRMENT);
        continue;
      }
    } catch (err) {
      if (!/qdisc kind is unknown/.test(String((err as { stderr?: Buffer }).stderr ?? err))) throw err;
      impairment = 'tbf rate 300kbit burst 8kb latency 200ms (this kernel has no sch_netem: no loss, no fixed delay)';
    }
    run('tc', 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', '300kbit', 'burst', '8kb', 'latency', '200ms');
  }
}

async function oneCall(mode: 'simulcast' | 'single', wrapper: string) {
  const { chromium } = await import('playwright-core');
  const pages = await callPagePlugin();
  const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };
  const media = createMedia({ workers: 1, recording: { enabled: false }, transport: { listenIp: SERVER_IP }, logger: quiet });
  const t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin, plugins: [pages] });
  await t.core.app.listen({ port: 0, host: SERVER_IP });
  const base = `http://${SERVER_IP}:${(t.core.app.server.address() as AddressInfo).port}`;
  // Not loopback, so not a secure context by itself: camera and microphone need one.
  const args = [...ARGS, `--unsafely-treat-insecure-origin-as-secure=${base}`];
  const seatBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const partyBrowser = await chromium.launch({ executablePath: wrapper, headless: true, args });
  const seconds: Second[] = [];
  let recoveryMs: number | null = null;
  let cleanHeight = 0;
  try {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13600009001');
    await answer(t, id, seat);
    const open = async (browser: typeof seatBrowser, token: string) => {
      const ctx = await browser.newContext();
      await ctx.addCookies([{ name: 'kc_session', value: token, url: base }]);
      const p = await ctx.newPage();
      await p.goto(`${base}/media-test/`);
      return p;
    };
    const [seatPage, partyPage] = [await open(seatBrowser, seat), await open(partyBrowser, party)];
    await seatPage.evaluate((id) => (globalThis as unknown as W).call.join(id, { microphone: true }), id);
    await partyPage.evaluate(([id, simulcast]) => (globalThis as unknown as W).call.join(id as string, { camera: true, microphone: true, simulcast, video: { width: 640, height: 480, frameRate: 20 } }), [id, mode === 'simulcast'] as const);
    let last = 0;
    const sample = async (phase: string) => {
      const s = await seatPage.evaluate(() => (globalThis as unknown as W).call.videoRtp());
      const p = await partyPage.evaluate(() => (globalThis as unknown as W).call.videoRtp());
      const frames = s.inbound.reduce((n, x) => n + x.framesDecoded, 0);
      const height = Math.max(0, ...s.inbound.map((x) => x.height));
      const layers = p.outbound.filter((l) => l.height > 0).map((l) => l.height).sort((a, b) => a - b).join('+') || '-';
      seconds.push({ phase, frames: frames - last, height, layers });
      last = frames;
      return height;
    };
    await sample('start');
    for (let i = 0; i < CLEAN; i++) (await sleep(1000), await sample('clean'));
    cleanHeight = Math.max(...seconds.filter((x) => x.phase === 'clean').map((x) => x.height));
    impair(true);
    for (let i = 0; i < WEAK; i++) (await sleep(1000), await sample('weak'));
    impair(false);
    const cleared = performance.now();
    for (let i = 0; i < 60; i++) {
      await sleep(1000);
      if ((await sample('recovery')) >= cleanHeight) {
        recoveryMs = performance.now() - cleared;
        break;
      }
    }
    await escalate(t, id, seat);
  } finally {
    await seatBrowser.close();
    await partyBrowser.close();
    await media.service.settled();
    await t.close();
  }
  return { mode, seconds, cleanHeight, recoveryMs, impairment };
}

function report(r: Awaited<ReturnType<typeof oneCall>>): void {
  const phase = (p: string) => r.seconds.filter((s) => s.phase === p);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const heights = (xs: Second[]) => [...new Set(xs.map((s) => s.height))].sort((a, b) => a - b).join('/');
  const layers = (xs: Second[]) => [...new Set(xs.map((s) => s.layers))].join(', ');
  console.log(`\n  camera ${r.mode === 'simulcast' ? 'in simulcast (as the party app sends it)' : 'as one stream'}; weak link: ${r.impairment}:`);
  for (const p of ['clean', 'weak', 'recovery']) {
    const xs = phase(p);
    if (!xs.length) continue;
    const frozen = xs.filter((s) => s.frames === 0).length;
    console.log(`    ${p.padEnd(9)} ${String(xs.length).padStart(3)} s  seat decodes ${String(xs.reduce((n, s) => n + s.frames, 0)).padStart(4)} frames, median ${median(xs.map((s) => s.frames))} fps, ${frozen} s without a frame; decoded heights ${heights(xs)}; party sends layers ${layers(xs)}`);
  }
  console.log(`    recovery: ${r.recoveryMs === null ? 'not back to' : `${(r.recoveryMs / 1000).toFixed(1)} s after the link cleared, back to`} ${r.cleanHeight} px high`);
}

if (process.getuid?.() !== 0 || !existsSync(CHROMIUM)) {
  console.log(`bench:weaknet: skipped (${process.getuid?.() !== 0 ? 'needs root to make a network namespace' : `${CHROMIUM} not found`})`);
  process.exit(0);
}
const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-weaknet-'));
const wrapper = path.join(dir, 'chromium-in-namespace');
writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
link(true);
try {
  console.log(`bench:weaknet — the party's Chromium behind a veth pair in its own network namespace; weak link wanted: netem ${IMPAIRMENT.join(' ')} each way; one mediasoup worker; fake camera 640×480 at 20 fps (as the party app asks)`);
  for (const mode of MODES) report(await oneCall(mode, wrapper));
} finally {
  link(false);
  rmSync(dir, { recursive: true, force: true });
}
