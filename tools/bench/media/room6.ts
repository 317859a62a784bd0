/**
 * A 6-person room in headless Chromium (issue 14, Yancheng's rooms): a Yancheng case whose seat,
 * both parties, insurer, repair shop and mediator are invited (testkit yanchengRoom), each in a
 * browser context of its own with a fake camera. Per room: each participant's join time (tap →
 * joined and sending), the time from the last tap until every participant decodes the video of
 * all five others, and the video packet loss measured at the receivers over `seconds`.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMedia } from '@kuaichu/plugin-media-mediasoup';
import { startTestCore } from '@kuaichu/testkit/core';
import { callPagePlugin } from '@kuaichu/testkit/callPage';
import { ROOM_ROLES, yanchengRoom } from '@kuaichu/testkit/yanchengRoom';

const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };
type Track = { role: string; kind: string; packets: number; packetsLost: number; framesDecoded: number };
type W = { call: { join(id: string, o: object): Promise<{ startedAt: number; ms: number }>; inboundByTrack(): Promise<Track[]> } };

export async function room6JoinTime(chromiumPath: string, rooms: number, seconds: number): Promise<void> {
  if (!existsSync(chromiumPath) || rooms < 1) {
    console.log(`\n6-person room: skipped (${rooms < 1 ? 'BENCH_ROOM6=0' : `${chromiumPath} not found`})`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const pages = await callPagePlugin();
  const media = createMedia({ workers: 1, recording: { enabled: false }, transport: { listenIp: '127.0.0.1' }, logger: quiet });
  const t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin, plugins: [pages] });
  await t.core.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.core.app.server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath, headless: true,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--allow-loopback-in-peer-connection'],
  });
  const joins: number[] = [];
  const complete: number[] = [];
  const losses: number[] = [];
  try {
    for (let r = 0; r < rooms; r++) {
      const room = await yanchengRoom(t);
      const open = async (token: string) => {
        const ctx = await browser.newContext();
        await ctx.addCookies([{ name: 'kc_session', value: token, url: base }]);
        const p = await ctx.newPage();
        await p.goto(`${base}/media-test/`);
        return p;
      };
      const opened: Array<{ role: (typeof ROOM_ROLES)[number]; page: Awaited<ReturnType<typeof open>> }> = [];
      for (const role of ROOM_ROLES) opened.push({ role, page: await open(room.tokens[role]) });
      let lastTap = 0;
      for (const { page } of opened) {
        const j = await page.evaluate((id) => (globalThis as unknown as W).call.join(id, { camera: true, microphone: true }), room.caseId);
        joins.push(j.ms);
        lastTap = j.startedAt;
      }
      // Until every participant decodes the video of all five others.
      const decodesAll = async () => {
        for (const { role, page } of opened) {
          const tracks = await page.evaluate(() => (globalThis as unknown as W).call.inboundByTrack());
          if (!ROOM_ROLES.filter((o) => o !== role).every((o) => tracks.some((x) => x.role === o && x.kind === 'video' && x.framesDecoded > 0))) return false;
        }
        return true;
      };
      const deadline = Date.now() + 30_000;
      while (!(await decodesAll())) {
        if (Date.now() > deadline) throw new Error('a participant did not decode all five others within 30 s');
        await sleep(50);
      }
      complete.push(Date.now() - lastTap);
      const sample = async () => {
        let packets = 0, lost = 0;
        for (const { page } of opened) for (const x of await page.evaluate(() => (globalThis as unknown as W).call.inboundByTrack())) if (x.kind === 'video') (packets += x.packets, lost += x.packetsLost);
        return { packets, lost };
      };
      const a = await sample();
      await sleep(seconds * 1000);
      const b = await sample();
      // packetsLost may fall when late packets arrive after all (RTCP's cumulative count): never below 0.
      const got = b.packets - a.packets, lost = Math.max(0, b.lost - a.lost);
      losses.push(got + lost > 0 ? (100 * lost) / (got + lost) : 0);
      for (const { page } of opened) await page.context().close();
    }
  } finally {
    await browser.close();
    await media.service.settled();
    await t.close();
  }
  const stats = (xs: number[], unit = 'ms') => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]} ${unit}, max ${s[s.length - 1]} ${unit}`;
  };
  console.log(`\n6-person room over ${rooms} room(s) (loopback, one mediasoup worker, 6 headless Chromium contexts on this machine, fake camera 640x480):`);
  console.log(`  tap → joined and sending, per participant: ${stats(joins)}  [${joins.join(', ')}]`);
  console.log(`  last tap → all six decode all five others: ${stats(complete)}  [${complete.join(', ')}]`);
  console.log(`  video loss at the receivers over ${seconds} s (30 video streams): ${losses.map((l) => `${l.toFixed(2)} %`).join(', ')}`);
}
