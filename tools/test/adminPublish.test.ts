/**
 * `kuaichu admin create` against the server's embedded database, then signing in to a server on
 * it; `kuaichu publish` to that server: refused whole at file:line:col, then published with its
 * diff, activated, rolled back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { citiesDir } from '@kuaichu/core/paths';
import { startCore, type Core } from '@kuaichu/core/server';
import { adminCommand } from '../src/commands/admin.ts';
import { publishCommand } from '../src/commands/publish.ts';

const PASSWORD = 'Songhua-river-4471';
const OPS_PASSWORD = 'Ice-lantern-Festival-88';

async function run(cmd: typeof adminCommand, args: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd(args, { out: (s) => out.push(s), err: (s) => err.push(s) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('kuaichu admin create, then kuaichu publish', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kuaichu-admin-'));
  const base = { KUAICHU_DATA_DIR: dataDir, PATH: process.env.PATH };
  let core: Core | null = null;
  let server = '';
  after(async () => core?.close());

  it('refuses a weak password, and a password given as an argument', async () => {
    const weak = await run(adminCommand, ['create', '--tenant', 'harbin', '--role', 'admin', '--login', 'wang.li'], { ...base, KUAICHU_ADMIN_PASSWORD: 'Delta-harbin-77x' });
    assert.equal(weak.code, 1);
    assert.match(weak.err, /too weak \(contains the user name or the city\)/);
    await assert.rejects(run(adminCommand, ['create', '--tenant', 'harbin', '--role', 'admin', '--login', 'wang.li', '--password', PASSWORD], base), /never an argument/);
    const unknown = await run(adminCommand, ['create', '--tenant', 'atlantis', '--role', 'admin', '--login', 'wang.li'], { ...base, KUAICHU_ADMIN_PASSWORD: PASSWORD });
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no city "atlantis"/);
  });

  it('creates the first admin and the platform operator in the database a server then opens', async () => {
    const r = await run(adminCommand, ['create', '--tenant', 'harbin', '--role', 'admin', '--login', 'wang.li', '--name', '王力'], { ...base, KUAICHU_ADMIN_PASSWORD: PASSWORD });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /created wang\.li@harbin \(admin\) in the embedded database/);
    const again = await run(adminCommand, ['create', '--tenant', 'harbin', '--role', 'admin', '--login', 'wang.li'], { ...base, KUAICHU_ADMIN_PASSWORD: PASSWORD });
    assert.equal(again.code, 1);
    assert.match(again.err, /already has a staff account "wang\.li"/);
    const ops = await run(adminCommand, ['create', '--tenant', 'platform', '--role', 'platform_operator', '--login', 'ops'], { ...base, KUAICHU_ADMIN_PASSWORD: OPS_PASSWORD });
    assert.equal(ops.code, 0, ops.err);

    core = await startCore({ dataDir, tickMs: 0, relayMs: 0, env: { ...process.env, KUAICHU_ANALYTICS: 'off', KUAICHU_DEMO_PASSWORD: 'demo-password-for-tests' } });
    await core.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = core.app.server.address();
    server = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const login = await fetch(`${server}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'harbin', username: 'wang.li', password: PASSWORD }) });
    assert.equal(login.status, 200);
    const { token, staff } = (await login.json()) as { token: string; staff: { username: string; displayName: string; roles: string[] } };
    assert.deepEqual([staff.username, staff.displayName, staff.roles], ['wang.li', '王力', ['admin']]);
    const profile = await fetch(`${server}/api/admin/profile`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(profile.status, 200, 'the new admin can act as one');
  });

  it('publish: a profile with an error is refused whole at file:line:col; a good one shows its diff; activate and roll back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-publish-'));
    const harbin = readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8');
    const bad = path.join(dir, 'harbin.yaml');
    writeFileSync(bad, harbin.replace('windowDays: 3', 'windowDays: -1'));
    const env = { ...base, KUAICHU_PASSWORD: PASSWORD };
    const refused = await run(publishCommand, [bad, '--server', server, '--login', 'wang.li'], env);
    assert.equal(refused.code, 1);
    const line = harbin.split('\n').findIndex((l) => l.includes('windowDays: 3')) + 1;
    assert.match(refused.err, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}:\\d+ review\\.windowDays: must be >= 1`));
    assert.match(refused.err, /refused whole, 1 problem; nothing was published/);

    const good = path.join(dir, 'good', 'harbin.yaml');
    mkdirSync(path.dirname(good));
    writeFileSync(good, harbin.replace('en: Harbin Traffic Police Detachment }', 'en: Harbin Traffic Police Detachment (CLI) }'));
    const published = await run(publishCommand, [good, '--server', server, '--login', 'wang.li', '--activate'], env);
    assert.equal(published.code, 0, published.err);
    assert.match(published.out, /^\+bureau: .*\(CLI\) }$/m);
    assert.match(published.out, /✔ harbin: published as version 1; \d+ examples passed; live: version 1/);

    // The operator publishes for the city (onboarding) and rolls it back.
    const opsEnv = { ...base, KUAICHU_PASSWORD: OPS_PASSWORD };
    const second = await run(publishCommand, [path.join(citiesDir, 'harbin.yaml'), '--server', server, '--login', 'ops', '--tenant', 'platform'], opsEnv);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /published as version 2; .*live: version 1 \(activate with: kuaichu publish --activate-version 2/);
    const rolled = await run(publishCommand, ['--activate-version', '2', '--city', 'harbin', '--server', server, '--login', 'ops', '--tenant', 'platform'], opsEnv);
    assert.equal(rolled.code, 0, rolled.err);
    const cities = await (await fetch(`${server}/api/cities`)).json() as Array<{ tenant: string; bureau: { en: string } }>;
    assert.equal(cities.find((c) => c.tenant === 'harbin')!.bureau.en, 'Harbin Traffic Police Detachment');
  });
});
