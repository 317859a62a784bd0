/**
 * Bureau administration (issue 17): a city's admin manages staff accounts and brigades and reads
 * the audit log, over HTTP on PGlite — refusals (no session 401, non-admin 403, another city's
 * names 404, bad input KC_*), disabling ends sessions, a reset password is shown once, brigades
 * route reports, every action is audited before → after, and no password reaches the log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { PLACES } from './helpers.ts';
import { forTenant } from '../src/db/tenantDb.ts';

const DAOLI = { lng: PLACES.harbin.道里区[0], lat: PLACES.harbin.道里区[1] };
const GIVEN = 'Tq7#mVx2Lp9!wRz4';

describe('bureau administration: staff, brigades, audit (HTTP, PGlite)', () => {
  let t: TestCore;
  let admin: string;
  const lines: string[] = [];
  before(async () => {
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { logger: { level: 'info', stream } });
    admin = await t.staff('harbin', 'admin');
  });
  after(() => t?.close());

  const login = (username: string, password: string, tenant = 'harbin') => t.call('POST', '/api/auth/login', { body: { tenant, username, password } });
  const code = (r: { json(): { error: { code: string } } }) => r.json().error.code;

  test('every admin route: 401 without a session, 403 for a seat, an officer and a supervisor', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/staff'], ['POST', '/api/admin/staff', { username: 'x-probe', displayName: 'x', roles: ['officer'] }],
      ['PATCH', '/api/admin/staff/officer', { displayName: 'x' }], ['POST', '/api/admin/staff/officer/disable', {}], ['POST', '/api/admin/staff/officer/enable', {}],
      ['POST', '/api/admin/staff/officer/password', {}], ['GET', '/api/admin/brigades'], ['POST', '/api/admin/brigades', { id: 'x', name: { zh: 'x' } }],
      ['PATCH', '/api/admin/brigades/daoli', { name: { zh: 'x' } }], ['GET', '/api/admin/audit'], ['GET', '/api/admin/audit.csv'],
    ];
    for (const [method, url, body] of routes) {
      assert.equal((await t.call(method, url, { body })).statusCode, 401, `${method} ${url} without a session`);
      for (const who of ['seat-daoli', 'officer', 'supervisor']) {
        const r = await t.call(method, url, { token: await t.staff('harbin', who), body });
        assert.equal(r.statusCode, 403, `${method} ${url} by ${who}`);
        assert.equal(code(r), 'KC_FORBIDDEN');
      }
    }
  });

  test('create: a generated password shown once signs in; a given one is not returned; the list shows no hash', async () => {
    const made = await t.call('POST', '/api/admin/staff', { token: admin, body: { username: 'seat-wang', displayName: '王接警', roles: ['seat'], brigadeId: 'daoli' } });
    assert.equal(made.statusCode, 200, made.body);
    const { account, password } = made.json();
    assert.equal(account.username, 'seat-wang');
    assert.deepEqual(account.roles, ['seat']);
    assert.equal(account.brigadeId, 'daoli');
    assert.equal(account.disabled, false);
    assert.match(password, /^[A-Za-z2-9]{16}$/);
    assert.equal((await login('seat-wang', password)).statusCode, 200);

    const given = await t.call('POST', '/api/admin/staff', { token: admin, body: { username: 'officer-li', displayName: '李民警', roles: ['officer'], password: GIVEN } });
    assert.equal(given.statusCode, 200, given.body);
    assert.equal(given.json().password, undefined);
    assert.equal((await login('officer-li', GIVEN)).statusCode, 200);

    const list = await t.call('GET', '/api/admin/staff', { token: admin });
    assert.equal(list.statusCode, 200);
    const names = list.json().staff.map((s: { username: string }) => s.username);
    assert.ok(names.includes('seat-wang') && names.includes('officer-li') && names.includes('admin'));
    assert.doesNotMatch(list.body, /scrypt|password/i);
  });

  test('create refusals: weak password, existing name, unknown brigade, seat without brigade, platform role, bad body', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ username: 'weak-one', displayName: 'x', roles: ['officer'], password: 'password1234' }, 400, 'KC_WEAK_PASSWORD'],
      [{ username: 'seat-wang', displayName: 'x', roles: ['officer'] }, 409, 'KC_STAFF_EXISTS'],
      [{ username: 'seat-new', displayName: 'x', roles: ['seat'], brigadeId: 'atlantis' }, 400, 'KC_VALIDATION'],
      [{ username: 'seat-new', displayName: 'x', roles: ['seat'] }, 400, 'KC_VALIDATION'],
      [{ username: 'op-new', displayName: 'x', roles: ['platform_operator'] }, 400, 'KC_VALIDATION'],
      [{ username: 'Bad Name', displayName: 'x', roles: ['officer'] }, 400, 'KC_VALIDATION'],
      [{ username: 'no-roles', displayName: 'x', roles: [] }, 400, 'KC_VALIDATION'],
      [{ username: 'extra', displayName: 'x', roles: ['officer'], isRoot: true }, 400, 'KC_VALIDATION'],
    ];
    for (const [body, status, c] of cases) {
      const r = await t.call('POST', '/api/admin/staff', { token: admin, body });
      assert.equal(r.statusCode, status, `${JSON.stringify(body)}: ${r.body}`);
      assert.equal(code(r), c);
    }
    const names = (await t.call('GET', '/api/admin/staff', { token: admin })).json().staff.map((s: { username: string }) => s.username);
    for (const n of ['weak-one', 'seat-new', 'op-new', 'no-roles', 'extra']) assert.ok(!names.includes(n), `${n} was not created`);
  });

  test('change roles and brigade: audited before → after; a seat needs a brigade', async () => {
    const r = await t.call('PATCH', '/api/admin/staff/officer-li', { token: admin, body: { roles: ['officer', 'seat'], brigadeId: 'nangang' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().account.roles, ['officer', 'seat']);
    assert.equal(r.json().account.brigadeId, 'nangang');
    const [seat] = await forTenant(t.db, 'harbin').query<{ brigade_id: string }>("SELECT s.brigade_id FROM seats s JOIN staff st ON st.tenant = s.tenant AND st.id = s.staff_id WHERE st.username = 'officer-li'");
    assert.equal(seat?.brigade_id, 'nangang', 'the new seat has its seat row in the brigade');
    const bad = await t.call('PATCH', '/api/admin/staff/officer-li', { token: admin, body: { brigadeId: null } });
    assert.equal(bad.statusCode, 400);
    assert.equal(code(bad), 'KC_VALIDATION');
    const empty = await t.call('PATCH', '/api/admin/staff/officer-li', { token: admin, body: {} });
    assert.equal(code(empty), 'KC_VALIDATION');
    const missing = await t.call('PATCH', '/api/admin/staff/nobody-here', { token: admin, body: { displayName: 'x' } });
    assert.equal(missing.statusCode, 404);
    const audit = (await t.call('GET', '/api/admin/audit?action=staff.updated&subject=officer-li', { token: admin })).json().entries;
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0].before, { displayName: '李民警', roles: ['officer'], brigadeId: null });
    assert.deepEqual(audit[0].after, { displayName: '李民警', roles: ['officer', 'seat'], brigadeId: 'nangang' });
    assert.equal(audit[0].actor.username, 'admin');
  });

  test("disable ends the account's sessions and refuses its sign-in; enable lets it in again", async () => {
    const seat = (await login('seat-wang', GIVEN)).statusCode === 200 ? null : await t.call('POST', '/api/admin/staff/seat-wang/password', { token: admin, body: { password: GIVEN } });
    assert.equal(seat?.statusCode ?? 200, 200);
    const session = (await login('seat-wang', GIVEN)).json().token as string;
    assert.equal((await t.call('GET', '/api/me', { token: session })).statusCode, 200);
    const off = await t.call('POST', '/api/admin/staff/seat-wang/disable', { token: admin, body: {} });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().account.disabled, true);
    assert.ok(off.json().sessionsEnded >= 1);
    assert.equal((await t.call('GET', '/api/seat/queue', { token: session })).statusCode, 401, 'the session has ended');
    const refused = await login('seat-wang', GIVEN);
    assert.equal(refused.statusCode, 401);
    assert.equal(code(refused), 'KC_BAD_CREDENTIALS', 'the same answer as a wrong password');
    const on = await t.call('POST', '/api/admin/staff/seat-wang/enable', { token: admin, body: {} });
    assert.equal(on.json().account.disabled, false);
    assert.equal((await login('seat-wang', GIVEN)).statusCode, 200);
  });

  test('an admin cannot disable or demote themselves; another admin can be disabled while one remains', async () => {
    const self = await t.call('POST', '/api/admin/staff/admin/disable', { token: admin, body: {} });
    assert.equal(self.statusCode, 409);
    assert.equal(code(self), 'KC_ADMIN_LOCKOUT');
    const demote = await t.call('PATCH', '/api/admin/staff/admin', { token: admin, body: { roles: ['officer'] } });
    assert.equal(code(demote), 'KC_ADMIN_LOCKOUT');
    await t.call('POST', '/api/admin/staff', { token: admin, body: { username: 'admin-two', displayName: '副管理员', roles: ['admin'], password: GIVEN } });
    const second = (await login('admin-two', GIVEN)).json().token as string;
    assert.equal((await t.call('POST', '/api/admin/staff/admin-two/disable', { token: admin, body: {} })).statusCode, 200);
    assert.equal((await t.call('GET', '/api/admin/staff', { token: second })).statusCode, 401, "the disabled admin's session ended");
    assert.equal((await t.call('GET', '/api/admin/staff', { token: admin })).statusCode, 200, 'the remaining admin still works');
  });

  test('reset password: generated one shown once, the old one fails, sessions end; a weak given one is refused', async () => {
    const before = (await login('officer-li', GIVEN)).json().token as string;
    const r = await t.call('POST', '/api/admin/staff/officer-li/password', { token: admin, body: {} });
    assert.equal(r.statusCode, 200, r.body);
    const fresh = r.json().password as string;
    assert.match(fresh, /^[A-Za-z2-9]{16}$/);
    assert.equal((await login('officer-li', GIVEN)).statusCode, 401);
    assert.equal((await login('officer-li', fresh)).statusCode, 200);
    assert.equal((await t.call('GET', '/api/me', { token: before })).json().staff, undefined, 'the old session is gone');
    const weak = await t.call('POST', '/api/admin/staff/officer-li/password', { token: admin, body: { password: 'officer-li-123456' } });
    assert.equal(weak.statusCode, 400);
    assert.equal(code(weak), 'KC_WEAK_PASSWORD');
  });

  test('brigades: from the profile until edited; a new brigade takes a district and reports there ring its seats', async () => {
    const first = (await t.call('GET', '/api/admin/brigades', { token: admin })).json();
    assert.equal(first.fromProfile, true);
    assert.ok(first.districts.includes('道里区'));
    const made = await t.call('POST', '/api/admin/brigades', { token: admin, body: { id: 'central', name: { zh: '中心大队' }, districts: ['道里区'] } });
    assert.equal(made.statusCode, 200, made.body);
    const after = made.json();
    assert.equal(after.fromProfile, false);
    assert.deepEqual(after.brigades.find((b: { id: string }) => b.id === 'central').districts, ['道里区']);
    assert.deepEqual(after.brigades.find((b: { id: string }) => b.id === 'daoli').districts, [], 'the district moved');
    // A report in 道里区 now goes to the new brigade.
    const party = await t.party('harbin', '13800000731');
    const c = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'staff-admin-central-1', report: { location: DAOLI, kind: 'motor_motor' } } });
    assert.equal(c.statusCode, 201, c.body);
    const [row] = await forTenant(t.db, 'harbin').query<{ brigade_id: string }>('SELECT brigade_id FROM cases WHERE tenant = $1 AND id = $2', ['harbin', c.json().id]);
    assert.equal(row?.brigade_id, 'central');

    const renamed = await t.call('PATCH', '/api/admin/brigades/central', { token: admin, body: { name: { zh: '市中心大队', en: 'Central Brigade' } } });
    assert.equal(renamed.json().brigades.find((b: { id: string }) => b.id === 'central').name.en, 'Central Brigade');
    const refusals: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/admin/brigades', { id: 'central', name: { zh: '重复' } }, 409, 'KC_BRIGADE_EXISTS'],
      ['POST', '/api/admin/brigades', { id: 'far', name: { zh: '远方' }, districts: ['五华区'] }, 400, 'KC_VALIDATION'],
      ['POST', '/api/admin/brigades', { id: 'Bad Id', name: { zh: 'x' } }, 400, 'KC_VALIDATION'],
      ['PATCH', '/api/admin/brigades/central', { districts: [] }, 400, 'KC_VALIDATION'],
      ['PATCH', '/api/admin/brigades/atlantis', { name: { zh: 'x' } }, 404, 'KC_NOT_FOUND'],
    ];
    for (const [m, url, body, status, c2] of refusals) {
      const r = await t.call(m, url, { token: admin, body });
      assert.equal(r.statusCode, status, `${m} ${url} ${JSON.stringify(body)}: ${r.body}`);
      assert.equal(code(r), c2);
    }
    // A seat can be given the new brigade.
    const seat = await t.call('POST', '/api/admin/staff', { token: admin, body: { username: 'seat-central', displayName: '中心接警', roles: ['seat'], brigadeId: 'central' } });
    assert.equal(seat.statusCode, 200, seat.body);
  });

  test("another city's admin: its own lists only, every Harbin name 404, nothing changed", async () => {
    const kunming = await t.staff('kunming', 'admin');
    const list = (await t.call('GET', '/api/admin/staff', { token: kunming })).json().staff.map((s: { username: string }) => s.username);
    assert.ok(!list.includes('seat-wang') && !list.includes('officer-li'));
    const probes: Array<[string, string, unknown]> = [
      ['PATCH', '/api/admin/staff/officer-li', { displayName: '改名' }], ['POST', '/api/admin/staff/seat-wang/disable', {}],
      ['POST', '/api/admin/staff/seat-wang/enable', {}], ['POST', '/api/admin/staff/seat-wang/password', {}],
      ['PATCH', '/api/admin/brigades/central', { name: { zh: '探测' } }],
    ];
    for (const [m, url, body] of probes) {
      const r = await t.call(m, url, { token: kunming, body });
      assert.equal(r.statusCode, 404, `${m} ${url}: ${r.body}`);
    }
    const brigades = (await t.call('GET', '/api/admin/brigades', { token: kunming })).json();
    assert.ok(!brigades.brigades.some((b: { id: string }) => b.id === 'central'));
    assert.ok(!brigades.districts.includes('道里区'));
    const audit = (await t.call('GET', '/api/admin/audit', { token: kunming })).json().entries;
    assert.ok(!audit.some((e: { subject: string }) => ['seat-wang', 'officer-li', 'central'].includes(e.subject)));
    assert.equal((await login('seat-wang', GIVEN)).statusCode, 200, 'the Harbin seat is untouched');
  });

  test('the audit log lists every action with filters and exports CSV; no password in it or in the server log', async () => {
    const all = (await t.call('GET', '/api/admin/audit', { token: admin })).json().entries as Array<{ action: string; subject: string; at: string }>;
    const actions = new Set(all.map((e) => `${e.action} ${e.subject}`));
    for (const a of ['staff.created seat-wang', 'staff.created officer-li', 'staff.updated officer-li', 'staff.disabled seat-wang', 'staff.enabled seat-wang',
      'staff.password_reset officer-li', 'staff.disabled admin-two', 'brigade.created central', 'brigade.updated central']) assert.ok(actions.has(a), `${a} is in the log`);
    const sorted = [...all].sort((a, b) => b.at.localeCompare(a.at));
    assert.deepEqual(all.map((e) => e.at), sorted.map((e) => e.at), 'newest first');
    const staffOnly = (await t.call('GET', '/api/admin/audit?action=staff.', { token: admin })).json().entries as Array<{ action: string }>;
    assert.ok(staffOnly.length > 0 && staffOnly.every((e) => e.action.startsWith('staff.')));
    const byActor = (await t.call('GET', '/api/admin/audit?actor=admin-two', { token: admin })).json().entries;
    assert.equal(byActor.length, 0, 'admin-two did nothing');
    const future = (await t.call('GET', '/api/admin/audit?from=2030-01-01T00:00:00Z', { token: admin })).json().entries;
    assert.equal(future.length, 0);
    const badFilter = await t.call('GET', '/api/admin/audit?from=yesterday', { token: admin });
    assert.equal(code(badFilter), 'KC_VALIDATION');

    const csv = await t.call('GET', '/api/admin/audit.csv?action=brigade.', { token: admin });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    assert.ok(csv.body.startsWith('\uFEFFat,actor,action,subject,before,after,details\r\n'));
    assert.equal(csv.body.trim().split('\r\n').length, 3, 'header + brigade.created + brigade.updated');
    assert.match(csv.body, /"brigade\.created","central"/);

    const everything = JSON.stringify(all) + csv.body + lines.join('');
    assert.ok(!everything.includes(GIVEN), 'the given password is nowhere');
  });
});
