/**
 * Issue 15: the per-route request limits hold across server processes. Two cores on one real
 * PostgreSQL (separate pools, separate fastify instances: what two processes behind the
 * balancer are) count one client's sign-ins together; the counters are keyed by a hash, never
 * the address, and only the named 'rate limits' job sees them (row-level security).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { createDatabase, startPostgres, type TestPostgres } from '@kuaichu/testkit/postgres';
import { acrossTenants, forTenant } from '../src/db/tenantDb.ts';

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
});
