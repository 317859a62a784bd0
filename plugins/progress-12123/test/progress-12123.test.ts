import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '@kuaichu/core/clock';
import { repoRoot } from '@kuaichu/core/paths';
import type { PluginContext, ProgressUpdate } from '@kuaichu/core/ports';
import { deliverDue, deliveriesRepo, forTenant, progressSink } from '@kuaichu/core/harness';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, reported, seatReady } from '@kuaichu/testkit/cases';
import { recordHarbinChecklist } from '@kuaichu/testkit/harbinCase';
import plugin, { createProgress12123 } from '../src/index.ts';
import { startKc1Server, type Kc1Server, type Reply, type Seen } from '@kuaichu/testkit/kc1Server';
import { until } from '@kuaichu/testkit/until';

const SECRET = 'progress-12123-secret-0123456789abcdef';
const env = { KC_12123_SECRET: SECRET };
const ctx = (e: Record<string, string> = env): PluginContext => ({ tenant: 'harbin', env: e, log: { info: () => {}, warn: () => {} } });
const clock = new ManualClock('2026-06-01T10:00:00+08:00');

/** The 12123 side: takes each Idempotency-Key once (409 for a repeat), keeps the updates per case in arrival order. */
const taken = new Map<string, Record<string, unknown>>();
function app12123(req: Seen): Reply {
  if (req.path !== '/app/v1/progress') return { status: 404, body: { code: 'NO_SUCH_API' } };
  const key = req.headers['idempotency-key'] as string;
  if (taken.has(key)) return { status: 409, body: { code: 'DUPLICATE' } };
  taken.set(key, req.body as Record<string, unknown>);
  return { status: 202, body: { accepted: true } };
}

let server: Kc1Server;
before(async () => {
  server = await startKc1Server({ 'harbin-12123': SECRET }, app12123);
});
after(() => server.close());

const options = (extra: object = {}) => ({ baseUrl: `${server.url}/app`, keyId: 'harbin-12123', secretEnv: 'KC_12123_SECRET', timeoutMs: 300, attempts: 2, backoffMs: 5, maxBackoffMs: 20, breakerFailures: 50, halfOpenAfterMs: 100, ...extra });
const update = (seq: number, extra: Partial<ProgressUpdate> = {}): ProgressUpdate => ({
  tenant: 'harbin', caseId: '7d7c1f0e-55b4-4a53-9d55-3c1f0d2a9e01', caseNumber: 'HRB-20260601-0001', seq, event: 'case.served', state: 'served',
  at: '2026-06-01T03:00:00.000Z', partyPhone: '13800000881', documentUrl: 'https://kuaichu.test/verify/ABCDEFGHJKLMNPQR', idempotencyKey: `harbin:7d7c1f0e:${seq}`, ...extra,
});

test('the package exports progress-12123 for the progress port; the secret comes only from the environment', () => {
  assert.equal(plugin.name, 'progress-12123');
  assert.equal(plugin.port, 'progress');
  assert.throws(() => createProgress12123(options(), ctx({})), /KC_12123_SECRET/);
});

test('an update is a KC1-signed POST with its Idempotency-Key; a repeat is fine (409); a refusal is for good; outages fail the try', async () => {
  server.reply = app12123;
  const p = createProgress12123(options(), ctx(), { clock });
  const u = update(11);
  await p.push(u);
  const sent = server.seen.at(-1)!;
  assert.equal(sent.refused, null);
  assert.equal(sent.headers['idempotency-key'], u.idempotencyKey);
  assert.deepEqual(sent.body, { caseId: u.caseId, caseNumber: u.caseNumber, seq: 11, event: 'case.served', state: 'served', at: u.at, partyPhone: '13800000881', documentUrl: u.documentUrl });
  await p.push(u);
  assert.equal(server.seen.at(-1)!.refused, null);
  assert.equal([...taken.keys()].filter((k) => k === u.idempotencyKey).length, 1);

  server.reply = () => ({ status: 422, body: { code: 'CASE_UNKNOWN' } });
  await assert.rejects(p.push(update(12)), (e: Error & { permanent?: boolean; code?: string }) => e.permanent === true && e.code === 'CASE_UNKNOWN');
  for (const reply of [{ status: 500 }, { status: 429 }, 'hang', 'drop'] as const) {
    server.reply = () => reply;
    await assert.rejects(p.push(update(13)), (e: Error & { permanent?: boolean }) => e.permanent !== true && /unavailable/.test(e.message));
  }
  const wrongKey = createProgress12123(options(), ctx({ KC_12123_SECRET: 'not-it' }), { clock });
  server.reply = app12123;
  await assert.rejects(wrongKey.push(update(14)), (e: Error & { permanent?: boolean }) => e.permanent !== true && /HTTP 401/.test(e.message));
});

test('through the core: every state change of a case reaches 12123 once, in order, with the e-document link once served; claims.mode realtime shares the determination with the insurers', async () => {
  server.reply = app12123;
  taken.clear();
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-cities-'));
  cpSync(path.join(repoRoot, 'cities'), dir, { recursive: true });
  const file = path.join(dir, 'harbin.yaml');
  let yaml = readFileSync(file, 'utf8');
  assert.match(yaml, /- \{ plugin: dispatch-dev \}\n/);
  assert.match(yaml, /mode: one_tap/);
  yaml = yaml.replace('- { plugin: dispatch-dev }\n', `- { plugin: dispatch-dev }\n  - { plugin: progress-12123, options: { baseUrl: "${server.url}/app", keyId: harbin-12123, secretEnv: KC_12123_SECRET, timeoutMs: 1000, attempts: 1, breakerFailures: 3, halfOpenAfterMs: 50 } }\n`).replace('mode: one_tap', 'mode: realtime');
  writeFileSync(file, yaml);
  const t: TestCore = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { citiesDir: dir, env });
  try {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13800000881');
    await answer(t, id, seat);
    await recordHarbinChecklist(t, id, seat);
    assert.equal((await t.call('POST', `/api/cases/${id}/evacuate`, { token: seat })).statusCode, 200);
    const officer = await t.staff('harbin', 'officer');
    const det = await t.call('POST', `/api/cases/${id}/determination`, { token: officer, body: {
      facts: '张伟驾驶黑A12345追尾李娜驾驶的黑AD56789。',
      parties: [
        { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
        { name: '李娜', phone: '13800000882', plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
      ] } });
    assert.equal(det.statusCode, 201, det.body);
    const verifyUrl = det.json().determination.verifyUrl as string;

    // realtime: the determination is queued for both vehicles' insurers in the serving transaction, and goes out.
    const db = forTenant(t.core.ctx.db, 'harbin');
    const shares = await deliveriesRepo.ofCase(db, id, 'determination');
    assert.deepEqual(shares.map((d) => [d.target, d.plate, d.status]), [['picc', '黑A12345', 'queued'], ['pingan', '黑AD56789', 'queued']]);
    assert.deepEqual(await deliverDue(t.core.ctx, 'harbin'), { delivered: 2, failed: 0, dead: 0 });
    assert.ok((await deliveriesRepo.ofCase(db, id, 'determination')).every((d) => d.status === 'delivered' && typeof d.receipt?.claimNo === 'string'));

    // The one tap still pushes the claims; each says its status.
    const claims = await t.call('POST', `/api/cases/${id}/claims`, { token: party });
    assert.equal(claims.statusCode, 200, claims.body);
    assert.deepEqual(claims.json().map((c: { insurerId: string; status: string; attempts: number }) => [c.insurerId, c.status, c.attempts]).sort(), [['picc', 'delivered', 1], ['pingan', 'delivered', 1]]);
    const seen = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
    assert.ok(seen.claims.every((c: { status: string; claimNo: string | null }) => c.status === 'delivered' && c.claimNo), 'the seat sees each claim’s status');

    // 12123: the relay hands the events to the progress consumer, the worker pushes them.
    await t.core.drain();
    // 12123 is down for the first round: nothing is lost.
    server.reply = () => ({ status: 503 });
    const down = await deliverDue(t.core.ctx, 'harbin', { channel: 'progress' });
    assert.equal(down.delivered, 0);
    assert.ok(down.failed > 0);
    const dead = await deliverDue(t.core.ctx, 'harbin', { channel: 'progress' });
    assert.equal(dead.delivered + dead.failed + dead.dead, 0, 'nothing is due again before its backoff');
    server.reply = app12123;
    // Once 12123 is back (and the breaker, opened by the outage, lets a trial through) every update goes out.
    await until(async () => {
      t.clock.advance(3_600_000);
      await deliverDue(t.core.ctx, 'harbin', { channel: 'progress', limit: 500 });
      return (await deliveriesRepo.ofCase(db, id, 'progress')).every((d) => d.status === 'delivered');
    }, 'every progress update delivered');
    assert.ok((await deliveriesRepo.ofCase(db, id, 'progress')).some((d) => d.attempts > 1), 'some went out on a retry');

    const timeline = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json().timeline as Array<{ seq: number; type: string; at: string }>;
    const changes = timeline.filter((e) => e.type !== 'evidence.added');
    const got = [...taken.values()].filter((b) => b.caseId === id).sort((a, b) => Number(a.seq) - Number(b.seq));
    assert.deepEqual(got.map((b) => b.event), changes.map((e) => e.type), 'each state change, once');
    assert.ok(!got.some((b) => b.event === 'evidence.added'), 'evidence items are no state change');
    const served = got.find((b) => b.event === 'case.served')!;
    assert.deepEqual([served.state, served.documentUrl, served.partyPhone], ['served', verifyUrl, '13800000881']);
    assert.equal(got.find((b) => b.event === 'case.reported')!.documentUrl, null, 'no link before there is a document');
    assert.equal(got.at(-1)!.state, 'claim_pushed');

    // Idempotent per (case, seq): the bus delivering the same events again queues nothing new, 12123 takes nothing twice.
    const keysBefore = taken.size;
    await progressSink(t.core.ctx)(timeline.map((e) => ({ ...e, id: `replay-${e.seq}`, tenant: 'harbin', caseId: id, actor: 'system', payload: {} })) as never);
    assert.deepEqual(await deliverDue(t.core.ctx, 'harbin', { channel: 'progress' }), { delivered: 0, failed: 0, dead: 0 });
    assert.equal(taken.size, keysBefore);
    assert.ok(server.accepted().length > 0 && server.seen.every((s) => s.refused === null || s.refused === 'bad signature'));
  } finally {
    await t.close();
  }
});
