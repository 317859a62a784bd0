/**
 * Malformed signalling on the media WebSocket (`/api/cases/:id/media`), through the real app
 * and a real mediasoup worker: for every client method, data the schema accepts and data it
 * does not, and frames no client would send (not JSON, binary, huge, deep, wrong kinds, ids
 * reused, responses to requests never made), sent by the case's party and seat on a live call.
 * Every request gets an answer (ok, or an error with a KC_* code) or the socket is closed with
 * an application code; the process never crashes, the room keeps serving a well-behaved client,
 * and the HTTP API still answers afterwards.
 */
import fc from 'fast-check';
import { createMedia } from '@kuaichu/plugin-media-mediasoup';
import { startTestCore } from '@kuaichu/testkit/core';
import { answer, reported, seatReady } from '@kuaichu/testkit/cases';
import { schemaRegistry } from '@kuaichu/core/schemas';
import { until } from '@kuaichu/testkit/until';
import { hostileLeaf, valid } from './arbitraries.ts';
import type { Schema } from './openapi.ts';

const METHODS = ['getRouterRtpCapabilities', 'join', 'createWebRtcTransport', 'connectTransport', 'restartIce', 'produce', 'closeProducer', 'pauseProducer', 'resumeProducer', 'getStats', 'leave'];

export interface SignalingFigures {
  messages: number; sockets: number; answered: number; errors: number; closedCleanly: number;
  failures: string[];
}

type Ws = {
  on(e: 'message', l: (d: Buffer) => void): void; on(e: 'close', l: (code: number) => void): void; on(e: 'ping', l: (d: Buffer) => void): void;
  send(d: string | Buffer): void; pong(d: Buffer): void; close(code?: number): void; terminate(): void;
};

interface Socket { ws: Ws; answers: Map<number, { ok: boolean; code?: string }>; closed: number | null; last: string }

export async function signalingFuzz(opts: { runs: number; seed: number }): Promise<SignalingFigures> {
  const figures: SignalingFigures = { messages: 0, sockets: 0, answered: 0, errors: 0, closedCleanly: 0, failures: [] };
  const crashes: string[] = [];
  const onCrash = (e: unknown) => crashes.push(String((e as Error)?.stack ?? e).slice(0, 300));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const media = createMedia({ workers: 1, recording: { enabled: false }, transport: { listenIp: '127.0.0.1' }, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const t = await startTestCore({ kind: 'pglite' }, undefined, { media: media.plugin });
  try {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13900000777');
    await answer(t, id, seat);
    await until(() => media.service.room('harbin', id), 'the room opens on case.answered');

    const open = async (token: string): Promise<Socket> => {
      const s: Socket = { ws: null as unknown as Ws, answers: new Map(), closed: null, last: '' };
      await t.core.app.injectWS(`/api/cases/${id}/media`, { headers: { authorization: `Bearer ${token}` } }, {
        onInit: (ws: unknown) => {
          s.ws = ws as Ws;
          s.ws.on('message', (raw) => {
            const f = JSON.parse(raw.toString()) as { kind: string; id: number; ok?: boolean; error?: { code: string } };
            if (f.kind === 'response') s.answers.set(f.id, { ok: Boolean(f.ok), ...(f.error ? { code: f.error.code } : {}) });
            // Server requests (consume …): this client takes no media.
            if (f.kind === 'request') s.ws.send(JSON.stringify({ kind: 'response', id: f.id, ok: false, error: { code: 'KC_CLIENT', message: 'no media here' } }));
          });
          s.ws.on('close', (code) => (s.closed = code));
          // injectWS's client does not answer pings by itself (ws's autoPong is off for a socket it
          // did not dial): unanswered, the server's heartbeat took it for a lost phone and
          // terminated it (1006) — every real client, a browser or ws, answers.
          s.ws.on('ping', (d) => s.ws.pong(d));
        },
      });
      figures.sockets++;
      return s;
    };

    const registry = schemaRegistry();
    const resolve = (s: Schema): Schema => {
      let at = s;
      for (let i = 0; at.$ref && i < 16; i++) at = (registry.ajv.getSchema(at.$ref.startsWith('#') ? `signaling/client-requests.schema.json${at.$ref}` : `signaling/${at.$ref.replace(/^\.\//, '')}`)?.schema ?? {}) as Schema;
      return at;
    };
    const dataArb = (method: string): fc.Arbitrary<unknown> => {
      const schema = registry.ajv.getSchema(`signaling/client-requests.schema.json#/properties/${method}`)?.schema as Schema | undefined;
      const good = schema ? valid(schema, resolve, { strings: {} }) : fc.constant({});
      return fc.oneof({ weight: 2, arbitrary: good }, { weight: 3, arbitrary: fc.tuple(good, hostileLeaf, fc.string({ maxLength: 8 })).map(([g, leaf, k]) => (g && typeof g === 'object' && !Array.isArray(g) ? { ...g, [k || 'x']: leaf } : leaf)) }, { weight: 1, arbitrary: hostileLeaf });
    };
    const frameArb: fc.Arbitrary<{ text: string | Buffer; requestId: number | null }> = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...METHODS, 'consume', 'nope', '__proto__', '').chain((method) => dataArb(METHODS.includes(method) ? method : 'join').map((data) => ({ text: JSON.stringify({ kind: 'request', id: 0, method, data }), requestId: 0 }))) },
      { weight: 2, arbitrary: fc.oneof(
        fc.constant({ text: 'not json', requestId: null }),
        fc.constant({ text: Buffer.from([0, 1, 2, 255]), requestId: null }),
        fc.constant({ text: '{"kind":"request","id":-1,"method":"join","data":null}', requestId: null }),
        fc.constant({ text: '{"kind":"response","id":424242,"ok":true,"data":{}}', requestId: null }),
        fc.constant({ text: '{"kind":"notification","method":"peerJoined","data":{"peer":{}}}', requestId: null }),
        fc.constant({ text: `{"kind":"request","id":1,"method":"join","data":${'['.repeat(5000)}${']'.repeat(5000)}}`, requestId: null }),
        fc.constant({ text: JSON.stringify({ kind: 'request', id: 2, method: 'join', data: { rtpCapabilities: { codecs: [] }, device: 'x'.repeat(900_000) } }), requestId: null }),
        fc.constant({ text: '{"kind":"request","id":3,"method":"join","data":{"__proto__":{"polluted":true}}}', requestId: null }),
        hostileLeaf.map((v) => ({ text: JSON.stringify(v) ?? 'null', requestId: null })),
      ) },
    );

    const frames = fc.sample(fc.tuple(frameArb, fc.boolean()), { numRuns: opts.runs, seed: opts.seed });
    const sockets: Record<'party' | 'seat', Socket> = { party: await open(party), seat: await open(seat) };
    const sent: Array<{ who: 'party' | 'seat'; s: Socket; requestId: number | null }> = [];
    for (const [frame, bySeat] of frames) {
      const who = bySeat ? 'seat' : 'party';
      // A socket the server closed (too many bad frames) is replaced, as a client would reconnect.
      if (sockets[who].closed !== null) {
        figures.closedCleanly++;
        const code = sockets[who].closed!;
        const after = `${who} socket closed with ${code} after ${sockets[who].last.slice(0, 200)}`;
        if (![4000, 4001, 4400, 1000, 1005, 1009].includes(code)) figures.failures.push(after);
        sockets[who] = await open(who === 'seat' ? seat : party);
      }
      // Requests get ids of their own (1000, 1001 …), so each answer is matched to its request.
      const requestId = frame.requestId === null ? null : 1000 + figures.messages;
      const s = sockets[who];
      s.last = String(frame.text);
      s.ws.send(requestId === null ? frame.text : String(frame.text).replace('"id":0', `"id":${requestId}`));
      figures.messages++;
      sent.push({ who, s, requestId });
      // One message at a time: a request until it is answered (or its socket closed), anything else a few turns of the loop.
      if (requestId !== null) await until(() => s.answers.has(requestId) || s.closed !== null, `an answer to ${who}'s request ${requestId}: ${s.last.slice(0, 300)}`);
      else for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    }
    for (const s of Object.values(sockets)) if (s.closed !== null) figures.closedCleanly++;
    // Every request on a socket still open is answered; the rest were closed with a code.
    await until(() => sent.every(({ s, requestId }) => requestId === null || s.closed !== null || s.answers.has(requestId)), 'an answer to every request');
    for (const { s, requestId } of sent) {
      const a = requestId === null ? undefined : s.answers.get(requestId);
      if (a?.ok) figures.answered++;
      else if (a) {
        figures.errors++;
        if (!/^KC_[A-Z_]+$/.test(a.code ?? '')) figures.failures.push(`an error answer without a catalogue code: ${a.code}`);
      }
    }
    // Still serving: a well-behaved client joins, and the HTTP API answers.
    const fresh = await open(party);
    fresh.ws.send(JSON.stringify({ kind: 'request', id: 1, method: 'getRouterRtpCapabilities', data: {} }));
    await until(() => fresh.answers.get(1) ?? (fresh.closed !== null && { ok: false }), 'a well-behaved request answered');
    if (!fresh.answers.get(1)?.ok) figures.failures.push('after the fuzz, a well-behaved request was not served');
    const me = await t.call('GET', '/api/me', { token: seat });
    if (me.statusCode !== 200) figures.failures.push(`after the fuzz, /api/me answered ${me.statusCode}`);
    for (const s of [...Object.values(sockets), fresh]) s.ws.terminate();
  } finally {
    await t.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  figures.failures.push(...crashes.map((c) => `uncaught: ${c}`));
  return figures;
}
