/**
 * Live pushes, and several server processes sharing one PostgreSQL: a change committed through
 * one instance reaches the WebSocket clients of another, and instances ticking the queue at the
 * same time never ring two seats for one case or one seat for two cases.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from '@fastify/websocket';
import { startPostgres, createDatabase, type TestPostgres } from '@kuaichu/testkit/postgres';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { caseEvents } from '../src/cases/repository.ts';
import { schemaRegistry } from '../src/schemas.ts';

const DAOLI = { lng: 126.617, lat: 45.773 };

/** Every message received, and those that do not match schemas/http/live-message.schema.json. */
const received: Array<Record<string, unknown>> = [];
const notLiveMessages: string[] = [];
const isLiveMessage = schemaRegistry().validator('http/live-message.schema.json');

/** Collects a socket's messages and waits for one that matches. */
function inbox(ws: WebSocket) {
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as Record<string, unknown>;
    received.push(m);
    if (!isLiveMessage(m)) notLiveMessages.push(`${data.toString().slice(0, 200)}: ${schemaRegistry().ajv.errorsText(isLiveMessage.errors)}`);
    messages.push(m);
    for (const w of [...waiters]) if (w.match(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
  });
  return {
    messages,
    next(match: (m: Record<string, unknown>) => boolean, label: string): Promise<Record<string, unknown>> {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no live message: ${label}; got ${JSON.stringify(messages.map((x) => x.kind + ':' + (x.type ?? x.state ?? '')))}`)), 10_000);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}

const open: WebSocket[] = [];

/** Connects with the listener attached before the socket opens, so no early message is missed. */
async function connect(t: TestCore, token: string) {
  let box!: ReturnType<typeof inbox>;
  const ws = await t.core.app.injectWS('/api/live', { headers: { authorization: `Bearer ${token}` } }, { onInit: (w) => void (box = inbox(w as unknown as WebSocket)) });
  open.push(ws);
  return { ws, box };
}

let pg: TestPostgres;
let a: TestCore;
let b: TestCore;
before(async () => {
  pg = await startPostgres();
  const url = await createDatabase(pg.url, 'live');
  a = await startTestCore({ kind: 'postgres', url });
  b = await startTestCore({ kind: 'postgres', url });
});
after(async () => {
  for (const ws of open) ws.terminate();
  await a?.close();
  await b?.close();
  await pg?.stop();
});

test('a seat sees the call ring and the party sees its place and state, pushed across server instances', async () => {
  const seatToken = await a.staff('harbin', 'seat-daoli');
  const seat = await connect(b, seatToken); // the seat's console is connected to instance B
  await seat.box.next((m) => m.kind === 'hello', 'hello');
  const party = await a.party('harbin', '13600000001');
  const partyLive = await connect(b, party);

  const r = await a.call('POST', '/api/cases', { token: party, body: { clientKey: 'live-case-000001', report: { location: DAOLI, kind: 'motor_motor' } } }); // reported on instance A
  const id = r.json().id as string;
  const queued = await partyLive.box.next((m) => m.kind === 'case' && m.caseId === id && m.state === 'queued', 'party queued');
  assert.equal(queued.queuePosition, 1);
  await seat.box.next((m) => m.kind === 'queue' && (m.queue as { waiting: Array<{ id: string }> }).waiting.some((w) => w.id === id), 'seat queue shows the case');

  await a.call('POST', '/api/seat/status', { token: seatToken, body: { status: 'available' } });
  const ringing = await seat.box.next((m) => m.kind === 'queue' && (m.queue as { waiting: Array<{ id: string; ringingHere: boolean }> }).waiting.some((w) => w.id === id && w.ringingHere), 'ringing here');
  assert.equal((ringing.queue as { seat: { status: string } }).seat.status, 'ringing');
  await partyLive.box.next((m) => m.kind === 'case' && m.caseId === id && m.state === 'ringing', 'party sees ringing');

  await b.call('POST', `/api/cases/${id}/answer`, { token: seatToken });
  await partyLive.box.next((m) => m.kind === 'case' && m.caseId === id && m.state === 'in_call', 'party sees the call start');
  await seat.box.next((m) => m.kind === 'event' && m.caseId === id && m.type === 'case.answered', 'seat event');
  await a.call('POST', `/api/cases/${id}/escalate`, { token: seatToken, body: { reason: '测试结束' } });
  seat.ws.terminate();
  partyLive.ws.terminate();
});

test('another tenant’s changes are never pushed; a socket without a session is closed', async () => {
  const kunmingSeat = await connect(a, await a.staff('kunming', 'seat-wuhua'));
  await kunmingSeat.box.next((m) => m.kind === 'hello', 'hello');
  const party = await a.party('harbin', '13600000002');
  const r = await a.call('POST', '/api/cases', { token: party, body: { clientKey: 'live-case-000002', report: { location: DAOLI, kind: 'motor_motor' } } });
  const harbinSeat = await connect(a, await a.staff('harbin', 'seat-daoli'));
  await harbinSeat.box.next((m) => m.kind === 'queue' && JSON.stringify(m).includes(r.json().id), 'harbin seat sees it');
  assert.ok(!JSON.stringify(kunmingSeat.box.messages).includes(r.json().id));
  await a.call('POST', `/api/cases/${r.json().id}/abandon`, { token: party });
  kunmingSeat.ws.terminate();
  harbinSeat.ws.terminate();

  const anon = await a.core.app.injectWS('/api/live');
  const code = await new Promise<number>((resolve) => anon.on('close', (c: number) => resolve(c)));
  anon.terminate(); // an injected socket has no TCP peer to finish the close handshake
  assert.equal(code, 4401);
});

test('two instances ticking at once ring each case once and each seat once (SKIP LOCKED)', async () => {
  const seats = ['seat-daoli', 'seat-nangang', 'seat-daowai'];
  for (const s of seats) await a.call('POST', '/api/seat/status', { token: await a.staff('harbin', s), body: { status: 'available' } });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const party = await a.party('harbin', `1360000010${i}`);
    const r = await a.call('POST', '/api/cases', { token: party, body: { clientKey: `race-case-00000${i}`, report: { location: DAOLI, kind: 'motor_motor' } } });
    ids.push(r.json().id);
  }
  a.clock.advance(61_000); // past overflow, so any of the three seats may take any case
  b.clock.advance(61_000);
  await Promise.all([a.core.tick(), b.core.tick(), a.core.tick(), b.core.tick()]);
  const ringSeats: string[] = [];
  for (const id of ids) {
    const rings = (await caseEvents(a.db, 'harbin', id)).filter((e) => e.type === 'case.ringing');
    assert.ok(rings.length <= 1, `case ${id} rang ${rings.length} times`);
    ringSeats.push(...rings.map((e) => (e.payload as { seatId: string }).seatId));
  }
  assert.equal(ringSeats.length, 3, 'three seats, three rings');
  assert.equal(new Set(ringSeats).size, 3, 'no seat rang twice');
});

test('every message pushed is a LiveMessage (schemas/http/live-message.schema.json), of each kind', () => {
  assert.deepEqual(notLiveMessages, []);
  assert.deepEqual([...new Set(received.map((m) => m.kind))].sort(), ['case', 'event', 'hello', 'queue']);
});
