/**
 * Hostile clients on the live-push WebSocket (`GET /api/live`), through the real app: the socket
 * opened with generated hostile headers (bearer tokens, cookies, subprotocols, origins — NUL,
 * lone surrogates, 8 kB, script and SQL text, other cities' names), and, on sockets signed in as
 * a seat, a party and a Kunming seat, frames the server never asks for: text, JSON of every
 * shape, binary, 5 000-deep nesting, bursts, and one over the 64 kB frame limit. The socket
 * takes no input, so: nothing is thrown out of the process, an unsigned socket is closed 4401 (or refused
 * at the upgrade with a 4xx),
 * an oversized frame 1009, every other frame changes nothing; afterwards a fresh seat socket is
 * greeted and hears a new case of its city (and only its city), and the HTTP API answers.
 */
import fc from 'fast-check';
import { startTestCore } from '@kuaichu/testkit/core';
import { reported, seatReady } from '@kuaichu/testkit/cases';
import { until } from '@kuaichu/testkit/until';
import { hostileLeaf } from './arbitraries.ts';

export interface LiveFigures {
  /** Sockets opened with generated headers. */
  handshakes: number;
  /** Frames sent on signed-in sockets. */
  frames: number;
  /** How sockets ended, by close code (open: still open at the end). */
  byClose: Record<string, number>;
  failures: string[];
}

type Ws = { on(e: 'message', l: (d: Buffer) => void): void; on(e: 'close', l: (code: number) => void): void; send(d: string | Buffer): void; terminate(): void };
interface Socket { ws: Ws; messages: Array<{ kind: string; [k: string]: unknown }>; closed: number | null }

const ALLOWED_CLOSE = new Set([4401, 1009, 1000, 1005]);

export async function liveFuzz(opts: { runs: number; seed: number }): Promise<LiveFigures> {
  const figures: LiveFigures = { handshakes: 0, frames: 0, byClose: {}, failures: [] };
  const crashes: string[] = [];
  const onCrash = (e: unknown) => crashes.push(String((e as Error)?.stack ?? e).slice(0, 300));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const t = await startTestCore({ kind: 'pglite' });
  const all: Socket[] = [];
  try {
    const seat = await seatReady(t);
    const { party } = await reported(t, '13900001611');
    const kunmingSeat = await t.staff('kunming', 'seat-wuhua');

    const open = async (headers: Record<string, string>): Promise<Socket> => {
      const s: Socket = { ws: null as unknown as Ws, messages: [], closed: null };
      await t.core.app.injectWS('/api/live', { headers }, {
        onInit: (ws: unknown) => {
          s.ws = ws as Ws;
          s.ws.on('message', (raw) => {
            try {
              s.messages.push(JSON.parse(raw.toString()));
            } catch {
              figures.failures.push(`a push that is not JSON: ${raw.toString().slice(0, 80)}`);
            }
          });
          s.ws.on('close', (code) => (s.closed = code));
        },
      });
      all.push(s);
      return s;
    };
    const settled = (s: Socket) => until(() => s.closed !== null || s.messages.some((m) => m.kind === 'hello'), 'the socket is greeted or closed');

    // 1. Hostile handshakes: each is greeted (a real session among the headers) or closed 4401.
    const text = fc.oneof(hostileLeaf.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')), fc.string({ maxLength: 40 }), fc.constant('x'.repeat(8192)), fc.constantFrom('harbin', 'kunming', "' OR 1=1 --", '<script>1</script>'));
    const headerArb = fc.record({
      authorization: fc.oneof(text.map((v) => `Bearer ${v}`), text, fc.constantFrom(`Bearer ${kunmingSeat}`, `Bearer ${seat}x`, `Basic ${Buffer.from('admin:admin').toString('base64')}`)),
      cookie: fc.oneof(text.map((v) => `kc_session=${v}`), text),
      'sec-websocket-protocol': fc.constantFrom('chat', 'kuaichu, x', ''),
      origin: fc.oneof(text, fc.constant('https://evil.example')),
      'x-tenant': text,
    }, { requiredKeys: [] });
    // Header values travel as latin-1 without control characters, as an HTTP client can send them.
    const clean = (v: string) => v.replace(/[^\x20-\x7e]/g, '?');
    for (const h of fc.sample(headerArb, { numRuns: opts.runs, seed: opts.seed })) {
      const headers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, clean(String(v))]));
      let s: Socket;
      try {
        s = await open(headers);
      } catch (err) {
        // Refused at the upgrade (ws answers 400 to an empty Sec-WebSocket-Protocol): fine below 500.
        figures.handshakes++;
        const status = Number(/Unexpected server response: (\d+)/.exec((err as Error).message)?.[1]);
        figures.byClose[`http ${status}`] = (figures.byClose[`http ${status}`] ?? 0) + 1;
        if (!(status >= 400 && status < 500)) figures.failures.push(`handshake failed: ${(err as Error).message.slice(0, 120)} with ${JSON.stringify(headers).slice(0, 200)}`);
        continue;
      }
      figures.handshakes++;
      await settled(s);
      const hello = s.messages.find((m) => m.kind === 'hello');
      if (hello && !(headers.authorization ?? '').includes(kunmingSeat)) figures.failures.push(`greeted without a session: ${JSON.stringify(headers).slice(0, 200)}`);
      if (hello && hello.tenant !== 'kunming') figures.failures.push(`a Kunming session greeted as ${String(hello.tenant)}`);
      if (!hello && s.closed !== 4401) figures.failures.push(`a hostile handshake ended with ${s.closed}`);
    }

    // 2. Frames nobody should send, on signed-in sockets of both cities.
    const signedIn = { seat: await open({ authorization: `Bearer ${seat}` }), party: await open({ authorization: `Bearer ${party}` }), kunming: await open({ authorization: `Bearer ${kunmingSeat}` }) };
    for (const s of Object.values(signedIn)) await settled(s);
    const frameArb: fc.Arbitrary<string | Buffer> = fc.oneof(
      { weight: 4, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: hostileLeaf.map((v) => JSON.stringify({ kind: 'subscribe', tenant: 'harbin', caseId: v })) },
      { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
      { weight: 1, arbitrary: fc.constant(`${'['.repeat(5000)}${']'.repeat(5000)}`) },
      { weight: 1, arbitrary: fc.constant(JSON.stringify({ kind: 'hello', tenant: 'harbin', as: 'staff' })) },
    );
    const sockets = Object.values(signedIn);
    for (const [i, frame] of fc.sample(frameArb, { numRuns: opts.runs, seed: opts.seed + 1 }).entries()) {
      figures.frames++;
      if (Buffer.byteLength(frame) > 64 * 1024) {
        // Over the frame limit (a 200 000-character leaf): its own socket, which must close with 1009.
        const big = await open({ authorization: `Bearer ${seat}` });
        await settled(big);
        big.ws.send(frame);
        await until(() => big.closed !== null, 'an oversized frame closes its socket');
        if (big.closed !== 1009) figures.failures.push(`an oversized frame closed its socket with ${big.closed}, not 1009`);
        continue;
      }
      const s = sockets[i % sockets.length]!;
      if (s.closed !== null) continue;
      s.ws.send(frame);
    }
    // A burst, then one frame over the 64 kB limit on the Kunming socket.
    for (let i = 0; i < 500; i++) signedIn.seat.ws.send('{"kind":"ping"}');
    figures.frames += 500;
    signedIn.kunming.ws.send('x'.repeat(70 * 1024));
    figures.frames++;
    await until(() => signedIn.kunming.closed !== null, 'the oversized frame closes its socket');
    if (signedIn.kunming.closed !== 1009) figures.failures.push(`an oversized frame closed its socket with ${signedIn.kunming.closed}, not 1009`);
    for (const who of ['seat', 'party'] as const) if (signedIn[who].closed !== null) figures.failures.push(`the ${who}'s socket closed (${signedIn[who].closed}) after frames the server ignores`);

    // 3. Still serving: a fresh seat socket is greeted and hears a new Harbin case; the fuzzed seat socket too; Kunming hears nothing of it.
    const fresh = await open({ authorization: `Bearer ${seat}` });
    await settled(fresh);
    const kunmingFresh = await open({ authorization: `Bearer ${kunmingSeat}` });
    await settled(kunmingFresh);
    const before = kunmingFresh.messages.length;
    const { id } = await reported(t, '13900001612');
    await t.core.tick();
    for (const [who, s] of [['fresh', fresh], ['fuzzed', signedIn.seat]] as const) {
      try {
        await until(() => s.messages.some((m) => m.kind === 'event' && m.caseId === id), `the ${who} seat socket hears the new case`);
      } catch {
        figures.failures.push(`after the fuzz, the ${who} seat socket did not hear a new case`);
      }
    }
    if (kunmingFresh.messages.slice(before).some((m) => JSON.stringify(m).includes(id))) figures.failures.push('a Kunming socket heard of a Harbin case');
    const me = await t.call('GET', '/api/me', { token: seat });
    if (me.statusCode !== 200) figures.failures.push(`after the fuzz, /api/me answered ${me.statusCode}`);
    for (const s of all) {
      const k = s.closed === null ? 'open' : String(s.closed);
      figures.byClose[k] = (figures.byClose[k] ?? 0) + 1;
      if (s.closed !== null && !ALLOWED_CLOSE.has(s.closed)) figures.failures.push(`a socket closed with ${s.closed}`);
    }
  } finally {
    for (const s of all) s.ws.terminate();
    await t.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  figures.failures.push(...crashes.map((c) => `uncaught: ${c}`));
  return figures;
}
