/**
 * Join time: headless Chromium (fake camera) through the real server, as in the end-to-end test:
 * a case is answered, the seat's page is in the room, and the party taps "video" — the time from
 * that tap (before getUserMedia) to the first decoded frame in the seat's <video>.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createMedia } from '@kuaichu/plugin-media-mediasoup';
import { startTestCore } from '@kuaichu/testkit/core';
import { answer, escalate, reported, seatReady } from '@kuaichu/testkit/cases';
import { callPagePlugin } from '@kuaichu/testkit/callPage';

const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };

/** `calls` calls one after the other in headless Chromium at `chromium`; skipped without it or with 0 calls. */
export async function joinTime(chromiumPath: string, calls: number): Promise<void> {
  if (!existsSync(chromiumPath) || calls < 1) {
    console.log(`join time: skipped (${calls < 1 ? 'BENCH_JOIN_CALLS=0' : `${chromiumPath} not found`})`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const pages = await callPagePlugin();
  const media = createMedia({ workers: 1, transport: { listenIp: '127.0.0.1' }, logger: quiet });
  const t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin, plugins: [pages] });
  await t.core.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.core.app.server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath, headless: true,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--allow-loopback-in-peer-connection'],
  });
  type W = { call: { join(id: string, o: object): Promise<{ startedAt: number; ms: number }>; firstFrame(role: string): Promise<{ at: number }> } };
  // The callbacks run in the page (globalThis is its window; this file is checked without the DOM library).
  const joins: number[] = [];
  const tapToFrame: number[] = [];
  try {
    const seat = await seatReady(t);
    for (let i = 0; i < calls; i++) {
      const { id, party } = await reported(t, `1360000${String(i).padStart(4, '0')}`);
      await answer(t, id, seat);
      const open = async (token: string) => {
        const ctx = await browser.newContext();
        await ctx.addCookies([{ name: 'kc_session', value: token, url: base }]);
        const p = await ctx.newPage();
        await p.goto(`${base}/media-test/`);
        return p;
      };
      const [seatPage, partyPage] = [await open(seat), await open(party)];
      await seatPage.evaluate((id) => (globalThis as unknown as W).call.join(id, { microphone: true }), id);
      const tap = await partyPage.evaluate((id) => (globalThis as unknown as W).call.join(id, { camera: true, microphone: true }), id);
      const frame = await seatPage.evaluate(() => (globalThis as unknown as W).call.firstFrame('party_a'));
      joins.push(tap.ms);
      tapToFrame.push(frame.at - tap.startedAt);
      await escalate(t, id, seat);
      await seatPage.context().close();
      await partyPage.context().close();
    }
  } finally {
    await browser.close();
    await media.service.settled();
    await t.close();
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]} ms, max ${s[s.length - 1]} ms`;
  };
  console.log(`join time over ${calls} calls (loopback, headless Chromium, fake camera 640x480):`);
  console.log(`  party tap → first frame at the seat: ${stats(tapToFrame)}  [${tapToFrame.join(', ')}]`);
  console.log(`  party tap → joined and sending:      ${stats(joins)}`);
}
