/**
 * Publishing a city profile (issue 17): refused whole with file:line:col, examples run, the diff
 * against the live profile, versions kept, activation live at once and — on PostgreSQL — on a
 * second server process without a restart, rollback, each case with the version it was decided
 * under; the platform operator onboards but reads no case; cross-tenant probes answer 404.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { citiesDir } from '@kuaichu/core/paths';
import { createStaff } from '@kuaichu/core/operations';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { reported } from '@kuaichu/testkit/cases';
import { createDatabase, startPostgres, type TestPostgres } from '@kuaichu/testkit/postgres';

const HARBIN = readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8');
const BUREAU_EN = 'Harbin Traffic Police Detachment';
const v2 = HARBIN.replace(`en: ${BUREAU_EN} }`, `en: ${BUREAU_EN} (v2) }`);
const OPERATOR_PASSWORD = 'operator-Quartz-7519';

/** Line and column (1-based) of the first occurrence of `needle` in `text`. */
function at(text: string, needle: string): { line: number; col: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in the text`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}

async function bureau(t: TestCore): Promise<string> {
  const r = await t.call('GET', '/api/cities');
  return (r.json() as Array<{ tenant: string; bureau: { en: string } }>).find((c) => c.tenant === 'harbin')!.bureau.en;
}

/** Waits for a condition, asking again after each answer; never a fixed sleep. */
async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50)); // ask again shortly: a poll for the condition, not a wait for time to pass
  }
}

describe('publishing a profile (PGlite, one process)', () => {
  let t: TestCore;
  let admin: string;
  const publish = (body: object, token = admin) => t.call('POST', '/api/admin/profile/versions', { token, body });
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
    admin = await t.staff('harbin', 'admin');
  });
  after(async () => t?.close());

  it('refuses a profile with a schema error whole, at file:line:col, and keeps nothing', async () => {
    const bad = HARBIN.replace(/overflowAfterSeconds: \d+/, 'overflowAfterSeconds: sixty');
    const r = await publish({ fileName: 'harbin.yaml', source: bad, activate: true });
    assert.equal(r.statusCode, 422, r.body);
    const { code, details } = r.json().error;
    assert.equal(code, 'KC_PROFILE_INVALID');
    const p = details.problems.find((x: { path: string }) => x.path === 'queue.overflowAfterSeconds');
    assert.ok(p, JSON.stringify(details.problems));
    const where = at(bad, 'sixty');
    assert.deepEqual([p.file, p.line, p.col], ['harbin.yaml', where.line, where.col]);
    const versions = (await t.call('GET', '/api/admin/profile/versions', { token: admin })).json();
    assert.deepEqual([versions.versions, versions.liveVersion], [[], null]);
  });

  it('runs the examples: a change that breaks one is refused at the example', async () => {
    const bad = HARBIN.replace('{ from: "07:00", to: "19:00" }', '{ from: "07:00", to: "21:00" }');
    const r = await publish({ fileName: 'cities/harbin.yaml', source: bad });
    assert.equal(r.statusCode, 422, r.body);
    const problems = r.json().error.details.problems as Array<{ file: string; path: string; message: string }>;
    assert.ok(problems.some((p) => p.file === 'cities/harbin.yaml' && p.path.startsWith('examples[') && /outside_service_hours/.test(p.message)), JSON.stringify(problems));
  });

  it("refuses another city's profile, at its tenant line", async () => {
    const kunming = readFileSync(path.join(citiesDir, 'kunming.yaml'), 'utf8');
    const r = await publish({ fileName: 'kunming.yaml', source: kunming });
    assert.equal(r.statusCode, 422, r.body);
    const [p] = r.json().error.details.problems;
    assert.deepEqual([p.path, p.line, p.col], ['tenant', at(kunming, 'kunming\n').line, at(kunming, 'kunming\n').col]);
  });

  it('shows the diff on a dry run and keeps nothing', async () => {
    const r = await publish({ fileName: 'harbin.yaml', source: v2, dryRun: true });
    assert.equal(r.statusCode, 200, r.body);
    const out = r.json();
    assert.equal(out.version, null);
    assert.ok(out.examples > 0);
    assert.match(out.diff, new RegExp(`^-bureau: .*en: ${BUREAU_EN} }$`, 'm'));
    assert.match(out.diff, /^\+bureau: .*\(v2\) }$/m);
    assert.equal((await t.call('GET', '/api/admin/profile/versions', { token: admin })).json().versions.length, 0);
  });

  let caseV2 = '';
  it('keeps versions, activates one at once, records it on each case, and rolls back', async () => {
    const one = await publish({ fileName: 'harbin.yaml', source: HARBIN, activate: true });
    assert.equal(one.statusCode, 200, one.body);
    assert.deepEqual([one.json().version, one.json().liveVersion, one.json().diff], [1, 1, '']);
    const two = await publish({ fileName: 'harbin.yaml', source: v2 });
    assert.deepEqual([two.json().version, two.json().activated, two.json().liveVersion], [2, false, 1]);
    assert.equal(await bureau(t), BUREAU_EN, 'kept, not live');

    const act = await t.call('POST', '/api/admin/profile/versions/2/activate', { token: admin });
    assert.equal(act.statusCode, 200, act.body);
    assert.equal(act.json().liveVersion, 2);
    assert.equal(await bureau(t), `${BUREAU_EN} (v2)`);
    caseV2 = (await reported(t, '13800000201')).id;
    const officer = await t.staff('harbin', 'officer');
    assert.equal((await t.call('GET', `/api/cases/${caseV2}`, { token: officer })).json().profileVersion, 2);

    const back = await t.call('POST', '/api/admin/profile/versions/1/activate', { token: admin });
    assert.equal(back.json().liveVersion, 1);
    assert.equal(await bureau(t), BUREAU_EN);
    const caseV1 = (await reported(t, '13800000202')).id;
    assert.equal((await t.call('GET', `/api/cases/${caseV1}`, { token: officer })).json().profileVersion, 1);
    assert.equal((await t.call('GET', `/api/cases/${caseV2}`, { token: officer })).json().profileVersion, 2, 'a case keeps the version it was decided under');

    const list = (await t.call('GET', '/api/admin/profile/versions', { token: admin })).json();
    assert.deepEqual(list.versions.map((v: { version: number; live: boolean; publishedBy: string }) => [v.version, v.live, v.publishedBy]), [[2, false, 'admin@harbin'], [1, true, 'admin@harbin']]);
    const one2 = (await t.call('GET', '/api/admin/profile/versions/2', { token: admin })).json();
    assert.equal(one2.source, v2);
    assert.match(one2.diff, /^\+bureau: .*\(v2\) }$/m);
    assert.equal((await t.call('POST', '/api/admin/profile/versions/9/activate', { token: admin })).json().error.code, 'KC_PROFILE_VERSION_NOT_FOUND');
  });

  it("cross-tenant probes answer 404: another city's admin, and the platform operator, never see a case", async () => {
    const kunmingAdmin = await t.staff('kunming', 'admin');
    assert.equal((await t.call('GET', `/api/cases/${caseV2}`, { token: kunmingAdmin })).statusCode, 404);
    const theirs = (await t.call('GET', '/api/admin/profile/versions', { token: kunmingAdmin })).json();
    assert.deepEqual([theirs.tenant, theirs.versions], ['kunming', []], "harbin's versions are not kunming's");
    assert.equal((await t.call('GET', '/api/platform/tenants', { token: kunmingAdmin })).statusCode, 403);

    await createStaff(t.db, { tenant: 'platform', username: 'ops', displayName: '平台运维', roles: ['platform_operator'], password: OPERATOR_PASSWORD }, { actor: null, via: 'test', at: t.clock.now() });
    const login = await t.call('POST', '/api/auth/login', { body: { tenant: 'platform', username: 'ops', password: OPERATOR_PASSWORD } });
    assert.equal(login.statusCode, 200, login.body);
    const ops = login.json().token as string;
    assert.equal((await t.call('GET', `/api/cases/${caseV2}`, { token: ops })).statusCode, 404, 'the operator reads no case');
    assert.equal((await t.call('GET', '/api/seat/queue', { token: ops })).statusCode, 403);
    const tenants = (await t.call('GET', '/api/platform/tenants', { token: ops })).json().tenants as Array<{ tenant: string; liveVersion: number | null }>;
    assert.deepEqual(tenants.find((x) => x.tenant === 'harbin')?.liveVersion, 1);
    assert.equal((await t.call('GET', '/api/platform/tenants/nosuch/profile/versions', { token: ops })).statusCode, 404);
    const opsList = (await t.call('GET', '/api/platform/tenants/harbin/profile/versions', { token: ops })).json();
    assert.equal(opsList.liveVersion, 1);

    // Onboarding: the operator creates a city's admin; a weak password is refused.
    const weak = await t.call('POST', '/api/platform/tenants/harbin/staff', { token: ops, body: { username: 'chief', displayName: '张', roles: ['admin'], password: 'password1234' } });
    assert.equal(weak.json().error.code, 'KC_WEAK_PASSWORD');
    const made = await t.call('POST', '/api/platform/tenants/harbin/staff', { token: ops, body: { username: 'chief', displayName: '张', roles: ['admin'], password: 'Harbor-lantern-92x' } });
    assert.equal(made.statusCode, 200, made.body);
    const again = await t.call('POST', '/api/platform/tenants/harbin/staff', { token: ops, body: { username: 'chief', displayName: '张', roles: ['admin'], password: 'Harbor-lantern-92x' } });
    assert.equal(again.json().error.code, 'KC_STAFF_EXISTS');
    const chief = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'chief', password: 'Harbor-lantern-92x' } });
    assert.deepEqual(chief.json().staff.roles, ['admin']);
    const asOperator = await t.call('POST', '/api/platform/tenants/harbin/staff', { token: ops, body: { username: 'x2', displayName: 'x', roles: ['platform_operator'], password: 'Harbor-lantern-92x' } });
    assert.equal(asOperator.statusCode, 400, 'a city has no platform operator');
  });
});

describe('publishing a profile (PostgreSQL, two server processes)', () => {
  let pg: TestPostgres;
  let a: TestCore;
  let b: TestCore;
  before(async () => {
    pg = await startPostgres();
    const url = await createDatabase(pg.url, 'publishing');
    a = await startTestCore({ kind: 'postgres', url });
    b = await startTestCore({ kind: 'postgres', url });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await pg?.stop();
  });

  it('a version activated on one process is live on the other without a restart, and so is the rollback', async () => {
    const admin = await a.staff('harbin', 'admin');
    const one = await a.call('POST', '/api/admin/profile/versions', { token: admin, body: { fileName: 'harbin.yaml', source: HARBIN, activate: true } });
    assert.equal(one.statusCode, 200, one.body);
    const two = await a.call('POST', '/api/admin/profile/versions', { token: admin, body: { fileName: 'harbin.yaml', source: v2, activate: true } });
    assert.equal(two.json().liveVersion, 2, two.body);
    assert.equal(await bureau(a), `${BUREAU_EN} (v2)`);
    await until('process B to serve v2', () => bureau(b), (x) => x === `${BUREAU_EN} (v2)`);
    const onB = (await reported(b, '13800000301')).id;
    assert.equal((await b.call('GET', `/api/cases/${onB}`, { token: await b.staff('harbin', 'officer') })).json().profileVersion, 2);

    // Rollback on B: A follows.
    const back = await b.call('POST', '/api/admin/profile/versions/1/activate', { token: await b.staff('harbin', 'admin') });
    assert.equal(back.json().liveVersion, 1, back.body);
    await until('process A to roll back to v1', () => bureau(a), (x) => x === BUREAU_EN);
  });
});
