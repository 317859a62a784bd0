import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { ManualClock } from '@kuaichu/core/clock';
import type { ClaimPush, InsurerPort, PluginContext } from '@kuaichu/core/ports';
import { deliverDue, deliveriesRepo, enqueueDeterminationShares, forTenant, migrate, openPglite, type CoreContext, type Db } from '@kuaichu/core/harness';
import { verifyWebhook } from '@kuaichu/core/deliveries';
import plugin, { createInsurerWebhook } from '../src/index.ts';
import { startInsurer, type FakeInsurer } from './support/insurer.ts';

const K1 = 'insurer-key-2025-0123456789abcdef';
const K2 = 'insurer-key-2026-fedcba9876543210';
const env = { KC_INS_K1: K1, KC_INS_K2: K2 };
const ctx = (e: Record<string, string> = env): PluginContext => ({ tenant: 'kunming', env: e, log: { info: () => {}, warn: () => {} } });

let picc: FakeInsurer;
let pingan: FakeInsurer;
let db: Db;
const clock = new ManualClock('2026-06-01T10:00:00+08:00');
before(async () => {
  picc = await startInsurer('PICC', { k2025: K1 }); // still on the old key
  pingan = await startInsurer('PAIC', { k2026: K2 }); // already on the new key
  db = await openPglite();
  await migrate(db);
});
after(async () => {
  await picc.close();
  await pingan.close();
  await db.close();
});

const adapter = (extra: object = {}) => createInsurerWebhook({
  endpoints: { picc: picc.url, pingan: pingan.url },
  // Mid-rotation: the new key first, the old one still signing.
  keys: [{ id: 'k2026', secretEnv: 'KC_INS_K2' }, { id: 'k2025', secretEnv: 'KC_INS_K1' }],
  timeoutMs: 300, maxAttempts: 4, backoffMs: 1000, maxBackoffMs: 8000, ...extra,
}, ctx());

const claim = (extra: Partial<ClaimPush> = {}): ClaimPush => ({
  tenant: 'kunming', caseId: randomUUID(), insurerId: 'picc', plate: '云A12345', determinationNo: 'KMJ-2026-000001',
  documentUrl: 'https://kuaichu.test/verify/ABCDEFGHJKLMNPQR', phone: '13800000001', liability: 'full', idempotencyKey: `claim:${randomUUID()}`, ...extra,
});

test('the package exports insurer-webhook for the insurer port; every key secret comes from the environment', () => {
  assert.equal(plugin.name, 'insurer-webhook');
  assert.equal(plugin.port, 'insurer');
  assert.throws(() => createInsurerWebhook({ endpoints: { picc: 'http://127.0.0.1:9' }, keys: [{ id: 'k2026', secretEnv: 'KC_INS_K2' }] }, ctx({})), /KC_INS_K2 \(key k2026\) is not set/);
});

test('a claim is a webhook signed over timestamp.body by every active key, with its Idempotency-Key; insurers on either key accept it', async () => {
  picc.mode = 'ok';
  pingan.mode = 'ok';
  const ins = adapter();
  const c = claim();
  const r = await ins.pushClaim(c);
  assert.match(r.claimNo, /^PICC-\d{6}$/);
  const taken = picc.taken.get(c.idempotencyKey!)!;
  assert.equal(taken.keyId, 'k2025', 'PICC (old key) verified the old key’s signature');
  assert.deepEqual(taken.body, {
    type: 'claim.reported', id: c.idempotencyKey, tenant: 'kunming', caseId: c.caseId, insurerId: 'picc', plate: '云A12345',
    determinationNo: 'KMJ-2026-000001', documentUrl: c.documentUrl, phone: '13800000001', liability: 'full',
  });
  const share = await ins.pushClaim(claim({ insurerId: 'pingan', kind: 'determination', idempotencyKey: 'determination:x:1' }));
  assert.match(share.claimNo, /^PAIC-/);
  assert.equal(pingan.taken.get('determination:x:1')!.keyId, 'k2026', 'Ping An (new key) verified the new key’s signature');
  assert.equal(pingan.taken.get('determination:x:1')!.body.type, 'determination.issued');

  // The same delivery again (its answer was lost): the insurer answers 409 with the first claim number.
  assert.equal((await ins.pushClaim(c)).claimNo, r.claimNo);
  assert.equal([...picc.taken.values()].filter((t) => t.key === c.idempotencyKey).length, 1);
  assert.ok(picc.requests.every((q) => q.signature === 'ok'));
});

test('the verification helper insurers may use accepts either key during a rotation and refuses tampering and stale timestamps', () => {
  const body = JSON.stringify({ a: 1 });
  const now = Date.UTC(2026, 5, 1);
  const ts = String(Math.floor(now / 1000));
  const sig = (s: string, b = body, t = ts) => createHmac('sha256', s).update(`${t}.${b}`).digest('hex');
  const headers = { 'kuaichu-timestamp': ts, 'kuaichu-signature': `k2026=${sig(K2)},k2025=${sig(K1)}` };
  assert.deepEqual(verifyWebhook([{ id: 'k2025', secret: K1 }], body, headers, now), { ok: true, keyId: 'k2025' });
  assert.deepEqual(verifyWebhook([{ id: 'k2026', secret: K2 }], body, headers, now), { ok: true, keyId: 'k2026' });
  assert.deepEqual(verifyWebhook([{ id: 'k2026', secret: K2 }], body.replace('1', '2'), headers, now), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(verifyWebhook([{ id: 'k2026', secret: K2 }], body, headers, now + 301_000), { ok: false, reason: 'stale_timestamp' });
  assert.deepEqual(verifyWebhook([{ id: 'k2024', secret: 'x' }], body, headers, now), { ok: false, reason: 'unknown_key' });
});

test('an expired or unknown policy is a refusal for good; throttling, 5xx, a hang, a dropped connection and a bad signature fail the try', async () => {
  const ins = adapter();
  picc.mode = { refuse: 422, code: 'POLICY_EXPIRED' };
  await assert.rejects(ins.pushClaim(claim()), (e: Error & { permanent?: boolean; code?: string }) => e.permanent === true && e.code === 'POLICY_EXPIRED');
  picc.mode = { refuse: 404, code: 'POLICY_NOT_FOUND' };
  await assert.rejects(ins.pushClaim(claim()), (e: Error & { permanent?: boolean; code?: string }) => e.permanent === true && e.code === 'POLICY_NOT_FOUND');
  for (const mode of ['throttle', 'down', 'hang', 'drop'] as const) {
    picc.mode = mode;
    await assert.rejects(ins.pushClaim(claim()), (e: Error & { permanent?: boolean }) => e.permanent !== true && /unavailable/.test(e.message), mode);
  }
  picc.mode = 'ok';
  const wrong = createInsurerWebhook({ endpoints: { picc: picc.url }, keys: [{ id: 'k2025', secretEnv: 'KC_INS_K2' }], timeoutMs: 300 }, ctx());
  await assert.rejects(wrong.pushClaim(claim()), (e: Error & { permanent?: boolean }) => e.permanent !== true && /HTTP 401/.test(e.message));
  assert.equal(picc.requests.at(-1)!.signature, 'no valid signature');
});

// ------------------------------------------------------------------ the outbox with a real database


function core(port: InsurerPort): CoreContext {
  return {
    db, clock, notify: () => {}, documentSecret: 'x', publicUrl: 'https://kuaichu.test',
    ports: { find: ((_t: string, p: string) => (p === 'insurer' ? port : undefined)) as CoreContext['ports']['find'], get: (() => port) as never },
  } as unknown as CoreContext;
}

async function queueShares(n: number): Promise<string> {
  const caseId = randomUUID();
  const parties = Array.from({ length: n }, (_, i) => ({ name: `甲${i}`, plate: `云A1234${i}`, insurerId: i % 2 ? 'pingan' : 'picc', liability: 'equal' as const, faultBehaviour: '未保持安全距离' }));
  await forTenant(db, 'kunming').tx((q) => enqueueDeterminationShares(q, { id: caseId, tenant: 'kunming', party_phone: '13800000009' }, { number: `KMJ-2026-${caseId.slice(0, 6)}`, verify_code: 'ABCDEFGHJKLMNPQR', parties }, 'https://kuaichu.test', clock.now()));
  return caseId;
}
const statuses = async (caseId: string) => (await deliveriesRepo.ofCase(forTenant(db, 'kunming'), caseId)).map((d) => [d.target, d.status, d.attempts]);

test('nothing is lost while insurers are down: deliveries wait with backoff and go out once each after they recover', async () => {
  picc.mode = 'down';
  pingan.mode = 'drop';
  const ins = adapter();
  const ctxc = core(ins);
  const caseId = await queueShares(3);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 0, failed: 3, dead: 0 });
  assert.deepEqual(await statuses(caseId), [['picc', 'failed', 1], ['picc', 'failed', 1], ['pingan', 'failed', 1]].sort() as never);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 0, failed: 0, dead: 0 }, 'not due again before the backoff');

  // Ping An takes the next try but the answer is lost; PICC is still down.
  pingan.mode = 'drop_after_taking';
  clock.advance(1000);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 0, failed: 3, dead: 0 });
  assert.equal(pingan.taken.size > 0, true);
  const takenBefore = pingan.taken.size;

  picc.mode = 'ok';
  pingan.mode = 'ok';
  clock.advance(2000); // past the longest backoff of the second try (2 s)
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 3, failed: 0, dead: 0 });
  const rows = await deliveriesRepo.ofCase(forTenant(db, 'kunming'), caseId);
  assert.ok(rows.every((d) => d.status === 'delivered' && d.attempts === 3));
  assert.equal(pingan.taken.size, takenBefore, 'the retry of what Ping An took was answered with its first claim number, not taken again');
  for (const d of rows) {
    const insurer = d.target === 'picc' ? picc : pingan;
    assert.equal([...insurer.taken.values()].filter((t) => t.key === d.idempotency_key).length, 1, 'once per idempotency key');
    assert.equal(d.receipt?.claimNo, insurer.taken.get(d.idempotency_key)!.claimNo);
  }
  clock.advance(3_600_000);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 0, failed: 0, dead: 0 }, 'delivered is final');
});

test('a delivery is dead-lettered after maxAttempts (or at once when refused for good), and a requeued dead letter goes out', async () => {
  picc.mode = 'throttle';
  const ins = adapter({ maxAttempts: 2 });
  const ctxc = core(ins);
  const caseId = await queueShares(1);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 0, failed: 1, dead: 0 });
  clock.advance(1000);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 0, failed: 0, dead: 1 });
  const [dead] = await deliveriesRepo.ofCase(forTenant(db, 'kunming'), caseId);
  assert.deepEqual([dead!.status, dead!.attempts], ['dead', 2]);
  assert.match(dead!.last_error!, /throttled/);

  picc.mode = 'ok';
  clock.advance(86_400_000);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 0, failed: 0, dead: 0 }, 'a dead letter is not retried by itself');
  assert.ok(await forTenant(db, 'kunming').tx((q) => deliveriesRepo.requeue(q, dead!.id, clock.now())));
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId }), { delivered: 1, failed: 0, dead: 0 });

  picc.mode = { refuse: 422, code: 'POLICY_EXPIRED' };
  const refused = await queueShares(1);
  assert.deepEqual(await deliverDue(ctxc, 'kunming', { caseId: refused }), { delivered: 0, failed: 0, dead: 1 });
  assert.deepEqual(await statuses(refused), [['picc', 'dead', 1]]);
});

test('two workers racing over one outbox send each delivery once (the lease)', async () => {
  picc.mode = 'ok';
  pingan.mode = 'ok';
  const ctxc = core(adapter());
  const caseId = await queueShares(4);
  const before = picc.requests.length + pingan.requests.length;
  const [a, b] = await Promise.all([deliverDue(ctxc, 'kunming', { caseId }), deliverDue(ctxc, 'kunming', { caseId })]);
  assert.equal(a.delivered + b.delivered, 4);
  assert.equal(picc.requests.length + pingan.requests.length - before, 4);
});

test('outside production a city with insurer-webhook starts without its key secrets set: each key gets a development secret', async () => {
  const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { repoRoot } = await import('@kuaichu/core/paths');
  const { startTestCore } = await import('@kuaichu/testkit/core');
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-cities-'));
  cpSync(path.join(repoRoot, 'cities'), dir, { recursive: true });
  const file = path.join(dir, 'kunming.yaml');
  const yaml = readFileSync(file, 'utf8');
  assert.match(yaml, /- \{ plugin: insurer-dev, options: \{ insurers: \[picc, pingan, cpic\] \} \}/);
  writeFileSync(file, yaml.replace('- { plugin: insurer-dev, options: { insurers: [picc, pingan, cpic] } }',
    `- { plugin: insurer-webhook, options: { endpoints: { picc: "${picc.url}" }, keys: [{ id: k2026, secretEnv: KC_DEV_ONLY_KEY_A }, { id: k2025, secretEnv: KC_DEV_ONLY_KEY_B }] } }`));
  const t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { citiesDir: dir });
  try {
    const port = t.core.ctx.ports.get('kunming', 'insurer') as ReturnType<typeof createInsurerWebhook>;
    assert.deepEqual([...port.clients.keys()], ['picc'], 'kunming runs insurer-webhook');
  } finally {
    await t.close();
  }
});
