import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CircuitState } from 'cockatiel';
import { ManualClock } from '@kuaichu/core/clock';
import { repoRoot } from '@kuaichu/core/paths';
import type { PluginContext } from '@kuaichu/core/ports';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, reported, seatReady } from '@kuaichu/testkit/cases';
import plugin, { createDispatchHttp } from '../src/index.ts';
import { startKc1Server, type Kc1Server, type Reply, type Seen } from '@kuaichu/testkit/kc1Server';
import { until } from '@kuaichu/testkit/until';

const OUT = 'dispatch-out-secret-0123456789abcdef';
const CB = 'dispatch-callback-secret-fedcba9876543210';
const env = { KC_DISPATCH_SECRET: OUT, KC_DISPATCH_CALLBACK_SECRET: CB };
const ctx = (e: Record<string, string> = env, tenant = 'harbin'): PluginContext => ({ tenant, env: e, log: { info: () => {}, warn: () => {} } });
const clock = new ManualClock('2026-06-01T10:00:00+08:00');

let tickets = 0;
/** The command centre's dispatch interface: one ticket per case, 409 with the same ticket for a repeat. */
const byCase = new Map<string, string>();
function desk(req: Seen): Reply {
  const b = req.body as { caseId?: string };
  if (req.path !== '/cad/v1/dispatches' || !b.caseId) return { status: 400, body: { code: 'BAD_REQUEST' } };
  const known = byCase.get(b.caseId);
  if (known) return { status: 409, body: { ticket: known } };
  const ticket = `CJ-20260601-${String(++tickets).padStart(4, '0')}`;
  byCase.set(b.caseId, ticket);
  return { status: 201, body: { ticket } };
}

let server: Kc1Server;
before(async () => {
  server = await startKc1Server({ 'harbin-cad': OUT }, desk);
});
after(() => server.close());

const options = (extra: object = {}) => ({
  baseUrl: `${server.url}/cad`, keyId: 'harbin-cad', secretEnv: 'KC_DISPATCH_SECRET', callbackKeyId: 'cad-callback-1', callbackSecretEnv: 'KC_DISPATCH_CALLBACK_SECRET',
  timeoutMs: 300, attempts: 3, backoffMs: 5, maxBackoffMs: 20, breakerFailures: 50, halfOpenAfterMs: 100, ...extra,
});
const request = (caseId = crypto.randomUUID()) => ({ tenant: 'harbin', caseId, brigadeId: 'daoli', location: { lng: 126.617, lat: 45.773 }, reason: '一方受伤，需民警到场' });

/** A status callback signed as the desk signs it (KC1, written here from docs/integrations.md). */
function signedCallback(tenant: string, body: object, opts: { secret?: string; keyId?: string; ts?: number; nonce?: string; tamper?: boolean } = {}) {
  const url = `/api/integrations/dispatch/${tenant}/status`;
  const raw = JSON.stringify(body);
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const hash = createHash('sha256').update(raw).digest('hex');
  const sig = createHmac('sha256', opts.secret ?? CB).update(`KC1-HMAC-SHA256\nPOST\n${url}\n${ts}\n${nonce}\n${hash}`).digest('hex');
  return {
    url, payload: opts.tamper ? raw.replace('arrived', 'closed') : raw,
    headers: { 'content-type': 'application/json', 'x-kc-key-id': opts.keyId ?? 'cad-callback-1', 'x-kc-timestamp': ts, 'x-kc-nonce': nonce, 'x-kc-content-sha256': hash, 'x-kc-signature': sig },
  };
}

test('the package exports dispatch-http for the dispatch port; both secrets come from the environment', () => {
  assert.equal(plugin.name, 'dispatch-http');
  assert.equal(plugin.port, 'dispatch');
  assert.throws(() => createDispatchHttp(options(), ctx({ KC_DISPATCH_SECRET: OUT })), /KC_DISPATCH_CALLBACK_SECRET/);
  assert.throws(() => createDispatchHttp(options(), ctx({ KC_DISPATCH_CALLBACK_SECRET: CB })), /KC_DISPATCH_SECRET/);
});

test('a dispatch is a KC1-signed request with an idempotency key per case; a repeat gets the same ticket; 5xx and throttling are retried', async () => {
  server.reply = desk;
  const d = createDispatchHttp(options(), ctx(), { clock });
  const r = request();
  const before_ = server.seen.length;
  const t1 = await d.dispatchOnsite(r);
  assert.match(t1.ticket, /^CJ-20260601-\d{4}$/);
  const sent = server.seen[before_]!;
  assert.equal(sent.refused, null);
  assert.equal(sent.headers['idempotency-key'], `dispatch:${r.caseId}`);
  assert.deepEqual(sent.body, { caseId: r.caseId, brigadeId: 'daoli', location: r.location, reason: '一方受伤，需民警到场' });
  assert.equal((await d.dispatchOnsite(r)).ticket, t1.ticket, '409: the desk already has this case');

  let n = 0;
  server.reply = (req) => (++n === 1 ? { status: 503 } : n === 2 ? { status: 429, headers: { 'retry-after': '0' } } : desk(req));
  const t2 = await d.dispatchOnsite(request());
  assert.notEqual(t2.ticket, t1.ticket);
  assert.equal(n, 3);
});

test('a desk that is down, hangs or drops the connection makes the escalation fail with 503 and what to do, in Chinese; the breaker opens and half-opens', async () => {
  const d = createDispatchHttp(options({ attempts: 2, breakerFailures: 4, halfOpenAfterMs: 150 }), ctx(), { clock });
  for (const reply of [{ status: 502 }, 'hang', 'drop'] as const) {
    server.reply = () => reply;
    await assert.rejects(d.dispatchOnsite(request()), (e: Error & { statusCode?: number; code?: string }) => e.statusCode === 503 && e.code === 'KC_UNAVAILABLE' && /电话联系指挥中心/.test(e.message));
  }
  assert.equal(d.client.breaker.state, CircuitState.Open);
  const before_ = server.seen.length;
  await assert.rejects(d.dispatchOnsite(request()), /指挥调度系统暂不可用/);
  assert.equal(server.seen.length, before_, 'an open breaker does not call the desk');
  server.reply = desk;
  await until(async () => {
    try {
      await d.dispatchOnsite(request());
      return true;
    } catch {
      return false;
    }
  }, 'the half-open trial to succeed');
  assert.equal(d.client.breaker.state, CircuitState.Closed);
  server.reply = () => ({ status: 400, body: { code: 'LOCATION_OUT_OF_AREA' } });
  await assert.rejects(d.dispatchOnsite(request()), /LOCATION_OUT_OF_AREA/);
});

test('callback signatures are checked exactly: the right one passes once; a replay, a stale one, a tampered body or another key does not', () => {
  const d = createDispatchHttp(options(), ctx(), { clock });
  const body = { ticket: 'CJ-1', caseId: crypto.randomUUID(), status: 'arrived', at: '2026-06-01T02:10:00.000Z' };
  const check = (c: ReturnType<typeof signedCallback>) => d.verifyCallback!({ method: 'POST', path: c.url, body: c.payload, headers: c.headers });
  const good = signedCallback('harbin', body);
  assert.deepEqual(check(good), { ok: true });
  assert.deepEqual(check(good), { ok: false, reason: 'replayed_nonce' });
  assert.deepEqual(check(signedCallback('harbin', body, { ts: Math.floor(Date.now() / 1000) - 301 })), { ok: false, reason: 'stale_timestamp' });
  assert.deepEqual(check(signedCallback('harbin', body, { tamper: true })), { ok: false, reason: 'body_hash' });
  assert.deepEqual(check(signedCallback('harbin', body, { secret: OUT })), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(check(signedCallback('harbin', body, { keyId: 'other' })), { ok: false, reason: 'unknown_key' });
});

test('through the core: escalation gets a ticket from the desk, and the officers’ status flows back into the case as events the seat sees', async () => {
  server.reply = desk;
  // Harbin's profile with dispatch-http in place of the development desk.
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-cities-'));
  cpSync(path.join(repoRoot, 'cities'), dir, { recursive: true });
  const file = path.join(dir, 'harbin.yaml');
  const yaml = readFileSync(file, 'utf8');
  assert.match(yaml, /- \{ plugin: dispatch-dev \}/);
  writeFileSync(file, yaml.replace('- { plugin: dispatch-dev }', `- { plugin: dispatch-http, options: { baseUrl: "${server.url}/cad", keyId: harbin-cad, secretEnv: KC_DISPATCH_SECRET, callbackKeyId: cad-callback-1, callbackSecretEnv: KC_DISPATCH_CALLBACK_SECRET, timeoutMs: 1000 } }`));
  const t: TestCore = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { citiesDir: dir, env });
  try {
    const seat = await seatReady(t);
    const { id } = await reported(t, '13800000771');
    await answer(t, id, seat);
    const esc = await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '一方受伤' } });
    assert.equal(esc.statusCode, 200, esc.body);
    const ticket = byCase.get(id)!;
    assert.ok(ticket, 'the desk got the case');

    const call = (c: ReturnType<typeof signedCallback>) => t.core.app.inject({ method: 'POST', url: c.url, payload: c.payload, headers: c.headers });
    const at = (m: number) => new Date(Date.UTC(2026, 5, 1, 2, m)).toISOString();
    for (const [status, m] of [['dispatched', 5], ['arrived', 18]] as const) {
      const r = await call(signedCallback('harbin', { ticket, caseId: id, status, at: at(m), officer: '道里大队 王警官 (警号 012345)' }));
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual([r.json().event, r.json().duplicate], [`onsite.${status}`, false]);
    }
    const again = await call(signedCallback('harbin', { ticket, caseId: id, status: 'arrived', at: at(18) }));
    assert.deepEqual([again.statusCode, again.json().duplicate], [200, true], 'a retried callback records nothing new');
    const closed = await call(signedCallback('harbin', { ticket, caseId: id, status: 'closed', at: at(40), note: '双方协商，现场处理完毕' }));
    assert.equal(closed.json().event, 'onsite.closed');

    const view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
    assert.equal(view.state, 'escalated_onsite');
    assert.deepEqual(view.timeline.map((e: { type: string }) => e.type).filter((x: string) => x.startsWith('onsite.')), ['onsite.dispatched', 'onsite.arrived', 'onsite.closed']);

    // Refusals: no or a wrong signature (401), another ticket (404), a city without dispatch callbacks (401), a bad body (400).
    const unsigned = await t.core.app.inject({ method: 'POST', url: `/api/integrations/dispatch/harbin/status`, payload: { ticket, caseId: id, status: 'arrived', at: at(20) } });
    assert.deepEqual([unsigned.statusCode, unsigned.json().error.code], [401, 'KC_SIGNATURE_INVALID']);
    assert.equal((await call(signedCallback('harbin', { ticket, caseId: id, status: 'arrived', at: at(20) }, { secret: OUT }))).statusCode, 401);
    assert.equal((await call(signedCallback('harbin', { ticket: 'CJ-20260601-9999', caseId: id, status: 'arrived', at: at(20) }))).statusCode, 404);
    assert.equal((await call(signedCallback('kunming', { ticket, caseId: id, status: 'arrived', at: at(20) }))).statusCode, 401);
    assert.equal((await call(signedCallback('harbin', { ticket, caseId: id, status: 'teleported', at: at(20) }))).statusCode, 400);
    const after_ = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
    assert.equal(after_.timeline.length, view.timeline.length, 'no refused callback changed the case');
  } finally {
    await t.close();
  }
});
