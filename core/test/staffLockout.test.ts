/**
 * Issue 11.1: per-account backoff and lockout for staff sign-in, counted in the database (so
 * every server process sees it), lifted by an admin of the same city, and audited.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCore } from '../src/server.ts';
import { acrossTenants, forTenant } from '../src/db/tenantDb.ts';

describe('staff sign-in lockout', () => {
  let t: TestCore;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
  });
  after(async () => {
    await t?.close();
  });

  const login = (username: string, password: string, tenant = 'harbin') => t.call('POST', '/api/auth/login', { body: { tenant, username, password } });
  // Every tenant's trail (the assertions pick harbin's): a named cross-tenant read.
  const audit = async (subject: string) => acrossTenants(t.db, 'test: audit trail', (q) => q.query<{ tenant: string; actor: string | null; action: string; details: { lockSeconds?: number; wasLocked?: boolean } }>(
    'SELECT tenant, actor, action, details FROM audit_log WHERE subject = $1 ORDER BY id', [subject]));

  test('the 5th wrong password locks for a minute, each later one twice as long; the right password is refused while locked; an admin unlocks (audited)', async () => {
    for (let i = 1; i <= 4; i++) {
      const r = await login('officer', `wrong-${i}`);
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error.code, 'KC_BAD_CREDENTIALS');
    }
    const fifth = await login('officer', 'wrong-5');
    assert.equal(fifth.statusCode, 429);
    assert.equal(fifth.json().error.code, 'KC_ACCOUNT_LOCKED');
    assert.equal(fifth.json().error.details.retryAfterSeconds, 60);
    assert.equal(fifth.headers['retry-after'], '60');
    assert.match(fifth.json().error.message, /locked for 1 more min/);

    t.clock.advance(20_000);
    const right = await login('officer', DEMO_PASSWORD);
    assert.equal(right.statusCode, 429, 'the right password does not open a locked account');
    assert.equal(right.json().error.details.retryAfterSeconds, 40, 'the wait is a duration on the server clock');

    t.clock.advance(41_000);
    const sixth = await login('officer', 'wrong-6');
    assert.equal(sixth.json().error.details.retryAfterSeconds, 120, 'the next failure doubles the lock');
    t.clock.advance(121_000);
    const seventh = await login('officer', 'wrong-7');
    assert.equal(seventh.json().error.details.retryAfterSeconds, 240);

    // Another server process on the same database sees the same lock.
    const other = await startCore({ db: t.db, clock: t.clock, env: t.env, dataDir: mkdtempSync(path.join(tmpdir(), 'kuaichu-data-')), tickMs: 0, relayMs: 0, rateLimit: false, publicUrl: 'https://kuaichu.test' });
    try {
      const r = await other.app.inject({ method: 'POST', url: '/api/auth/login', payload: { tenant: 'harbin', username: 'officer', password: DEMO_PASSWORD } });
      assert.equal(r.statusCode, 429);
      assert.equal(r.json().error.code, 'KC_ACCOUNT_LOCKED');
    } finally {
      await other.close();
    }

    const admin = await t.staff('harbin', 'admin');
    const locks = await t.call('GET', '/api/admin/staff-locks', { token: admin });
    assert.equal(locks.statusCode, 200, locks.body);
    assert.deepEqual(locks.json().locks.find((l: { username: string }) => l.username === 'officer'), { username: 'officer', failures: 7, lockedForSeconds: 240 });

    const seat = await t.staff('harbin', 'seat-daoli');
    assert.equal((await t.call('POST', '/api/admin/staff/officer/unlock', { token: seat })).statusCode, 403, 'only an admin unlocks');
    // Kunming's admin unlocks Kunming's "officer", never Harbin's.
    const kunmingAdmin = await t.staff('kunming', 'admin');
    const elsewhere = await t.call('POST', '/api/admin/staff/officer/unlock', { token: kunmingAdmin });
    assert.equal(elsewhere.statusCode, 200);
    assert.equal(elsewhere.json().wasLocked, false);
    assert.equal((await login('officer', DEMO_PASSWORD)).statusCode, 429, 'still locked in Harbin');

    const unlocked = await t.call('POST', '/api/admin/staff/officer/unlock', { token: admin });
    assert.equal(unlocked.statusCode, 200, unlocked.body);
    assert.deepEqual(unlocked.json(), { username: 'officer', wasLocked: true, failures: 7 });
    assert.equal((await login('officer', DEMO_PASSWORD)).statusCode, 200);

    const trail = (await audit('officer')).filter((e) => e.tenant === 'harbin');
    assert.deepEqual(trail.map((e) => [e.action, e.details.lockSeconds ?? e.details.wasLocked]), [['staff.locked', 60], ['staff.locked', 120], ['staff.locked', 240], ['staff.unlocked', true]]);
    assert.equal(trail[0]!.actor, null, 'a lock is the system’s act');
    const [adminRow] = await forTenant(t.db, 'harbin').query<{ id: string }>("SELECT id FROM staff WHERE tenant = 'harbin' AND username = 'admin'");
    assert.equal(trail[3]!.actor, adminRow!.id, 'an unlock names the admin');
  });

  test('a success clears the count; a name that does not exist locks the same way (nothing to enumerate)', async () => {
    for (let i = 0; i < 4; i++) await login('analyst', 'wrong');
    assert.equal((await login('analyst', DEMO_PASSWORD)).statusCode, 200);
    for (let i = 0; i < 4; i++) assert.equal((await login('analyst', 'wrong')).statusCode, 401, 'counting starts again after a success');

    const ghost: string[] = [];
    for (let i = 0; i < 5; i++) ghost.push((await login('no-such-person', 'wrong')).json().error.code);
    assert.deepEqual(ghost, ['KC_BAD_CREDENTIALS', 'KC_BAD_CREDENTIALS', 'KC_BAD_CREDENTIALS', 'KC_BAD_CREDENTIALS', 'KC_ACCOUNT_LOCKED']);
    const admin = await t.staff('harbin', 'admin');
    const r = await t.call('POST', '/api/admin/staff/no-such-person/unlock', { token: admin });
    assert.equal(r.statusCode, 404);
  });

  test('the unlock route checks its input', async () => {
    const admin = await t.staff('harbin', 'admin');
    const long = await t.call('POST', `/api/admin/staff/${'x'.repeat(65)}/unlock`, { token: admin });
    assert.equal(long.statusCode, 400);
    assert.equal(long.json().error.code, 'KC_VALIDATION');
    assert.equal((await t.call('POST', '/api/admin/staff/officer/unlock')).statusCode, 401);
  });
});
