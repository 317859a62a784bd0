/**
 * Issue 15: the per-route request limits hold across server processes. Two cores on one real
 * PostgreSQL (separate pools, separate fastify instances: what two processes behind the
 * balancer are) count one client's sign-ins together; the counters are keyed by a hash, never
 * the address, and only the named 'rate limits' job sees them (row-level security).
 * And a background job meant for one process (the analytics rollup's upkeep) runs on one of
 * them per period, however many look at once (jobs/onOneProcess.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { createDatabase, startPostgres, type TestPostgres } from '@kuaichu/testkit/postgres';
import { acrossTenants, forTenant } from '../src/db/tenantDb.ts';
import { onOneProcess } from '../src/jobs/onOneProcess.ts';
import { until } from '@kuaichu/testkit/until';

describe('rate limits shared by the processes on one database', () => {
  let pg: TestPostgres;
  let a: TestCore;
  let b: TestCore;
  before(async () => {
    pg = await startPostgres();
    const url = await createDatabase(pg.url, 'rate_limits');
    a = await startTestCore({ kind: 'postgres', url }, undefined, { rateLimit: true });
    b = await startTestCore({ kind: 'postgres', url }, undefined, { rateLimit: true });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await pg?.stop();
  });

  // A different unknown account each time: the answer is 401 until the route's limit (10 a minute), not an account lock.
  const login = (t: TestCore, i: number, remoteAddress: string) =>
    t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: `nobody-${i}`, password: 'wrong-password' }, remoteAddress });

  test('ten sign-ins a minute from one client, whichever process answers', async () => {
    const client = '203.0.113.7';
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) answers.push((await login(i % 2 ? b : a, i, client)).statusCode);
    assert.deepEqual(answers, Array(10).fill(401), 'within the limit: refused as bad credentials, not limited');
    for (const t of [a, b]) {
      const r = await login(t, 99, client);
      assert.equal(r.statusCode, 429, 'the 11th is limited on either process');
      assert.equal(r.json().error.code, 'KC_RATE_LIMITED');
      assert.ok(Number(r.headers['retry-after']) > 0 && Number(r.headers['retry-after']) <= 60);
    }
    // Another client is counted apart.
    assert.equal((await login(b, 100, '203.0.113.8')).statusCode, 401);

    const rows = await acrossTenants(a.db, 'rate limits', (q) => q.query<{ key: string; hits: number }>('SELECT key, hits FROM rate_limit_hits ORDER BY hits DESC'));
    assert.equal(rows[0]!.hits, 12, 'one row holds both processes’ hits (10 + 2 limited)');
    assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key)), 'keys are hashes: no client address is stored');
    // Row-level security: a tenant's statement, or one that names no job, sees none of them.
    assert.deepEqual(await forTenant(a.db, 'harbin').query('SELECT key FROM rate_limit_hits'), []);
    assert.deepEqual(await a.db.query('SELECT key FROM rate_limit_hits'), []);
  });

  test('a one-process job runs once per period, whichever process looks', async () => {
    const runs: string[] = [];
    const log = { error: (obj: object) => assert.fail(`the job failed: ${JSON.stringify(obj)}`) };
    // A long period: the timers' own first look is far off; the test looks by hand.
    const jobs = [a, b, a, b].map((t, k) => onOneProcess(t.db, 'upkeep under test', 3_600_000, async () => void runs.push(`process ${k}`), log));
    try {
      const ran = await Promise.all(jobs.map((j) => j.tick()));
      assert.equal(ran.filter(Boolean).length, 1, 'four looks at once on two pools: one run');
      assert.equal(runs.length, 1);
      assert.equal((await Promise.all(jobs.map((j) => j.tick()))).filter(Boolean).length, 0, 'not due again within the period');
      const slot = await acrossTenants(a.db, 'job slots', (q) => q.query<{ next_at: Date; claimed_at: Date }>("SELECT next_at, claimed_at FROM job_slots WHERE name = 'upkeep under test'"));
      assert.equal(new Date(slot[0]!.next_at).getTime() - new Date(slot[0]!.claimed_at).getTime(), 3_600_000, 'next due one period after the claim (the database clock)');
      assert.deepEqual(await forTenant(a.db, 'harbin').query('SELECT name FROM job_slots'), [], 'a tenant sees no slot');
    } finally {
      await Promise.all(jobs.map((j) => j.close()));
    }
    // A short period (the processes' own timers look every 50 ms): once it has passed, it runs again.
    const quick = [a, b].map((t) => onOneProcess(t.db, 'quick upkeep', 50, async () => void runs.push('quick'), log));
    try {
      await until(() => runs.filter((r) => r === 'quick').length >= 2, 'a second period’s run');
    } finally {
      await Promise.all(quick.map((j) => j.close()));
    }
  });
});
