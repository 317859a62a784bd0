/**
 * Production mode (issue 17): `npm start` with NODE_ENV=production refuses to serve while a city
 * runs on development drivers, and lists every configuration problem at once, each with what to
 * set — exit code 2, no stack trace. Spawns the real entry point (core/src/main.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@kuaichu/core/paths';
import { freePort } from '@kuaichu/testkit/net';
import { pluginCatalogue } from '@kuaichu/core/operations';

async function start(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kuaichu-prod-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/src/main.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', KUAICHU_DATA_DIR: dataDir, KUAICHU_MEDIA: 'off', KUAICHU_ANALYTICS: 'off', PORT: String(await freePort()), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // A server that starts would keep running: the test would time out rather than pass.
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    return { code, out, err };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('production mode', () => {
  it('knows each development driver from its package.json and the production adapters of its port', () => {
    const c = pluginCatalogue();
    const dev = ['sms-dev', 'registry-dev', 'ocr-dev', 'face-dev', 'insurer-dev', 'dispatch-dev'];
    assert.deepEqual(dev.map((d) => c.get(d)?.development), dev.map(() => true));
    assert.deepEqual(dev.map((d) => c.productionAdapters(d)), [['sms-aliyun', 'sms-tencent'], ['registry-http'], ['ocr-paddle'], ['face-faceapi'], ['insurer-webhook'], ['dispatch-http']]);
    assert.equal(c.get('sms-aliyun')?.development, false);
  });

  it('refuses development drivers and lists every problem at once, each with what to set', async () => {
    const r = await start({ KUAICHU_CLOCK: 'manual', KUAICHU_TRUSTED_PROXIES: '10.0.0.0/99' });
    assert.equal(r.code, 2, r.err);
    assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
    assert.match(r.err, /kuaichu cannot start: \d+ configuration problems/);
    // Every live city's development drivers, each named with the production adapters of its port.
    for (const city of ['harbin', 'kunming', 'nantong', 'yancheng']) {
      assert.match(r.err, new RegExp(`${city} \\(cities/${city}\\.yaml\\): "sms-dev" is a development driver for the sms port`));
      assert.match(r.err, new RegExp(`${city} \\(cities/${city}\\.yaml\\): "registry-dev" is a development driver`));
    }
    assert.match(r.err, /"sms-dev" is a development driver[^\n]*\n\s+→ replace `plugin: sms-dev` with a production adapter: sms-aliyun or sms-tencent/);
    assert.match(r.err, /"registry-dev"[^\n]*\n\s+→ replace `plugin: registry-dev` with a production adapter: registry-http/);
    assert.match(r.err, /"insurer-dev"[^\n]*\n\s+→ replace `plugin: insurer-dev` with a production adapter: insurer-webhook/);
    assert.match(r.err, /"dispatch-dev"[^\n]*\n\s+→ replace `plugin: dispatch-dev` with a production adapter: dispatch-http/);
    // The environment's problems in the same list.
    assert.match(r.err, /KUAICHU_DOCUMENT_SECRET is not set[^\n]*\n\s+→ set KUAICHU_DOCUMENT_SECRET/);
    assert.match(r.err, /KUAICHU_PUBLIC_URL is not set/);
    assert.match(r.err, /KUAICHU_CLOCK=manual is set/);
    assert.match(r.err, /KUAICHU_TRUSTED_PROXIES: "10\.0\.0\.0\/99"/);
    assert.match(r.err, /nantong \(cities\/nantong\.yaml\): channel-wechat reads its secret from KUAICHU_NANTONG_WECHAT_SECRET \(option tokenSecretEnv\), which is not set/);
    assert.doesNotMatch(r.out, /Demo staff created/, 'no demo seed in production');
  });

  it('names only the cities this deployment serves (KUAICHU_TENANTS), and a tenant it does not have', async () => {
    const r = await start({ KUAICHU_TENANTS: 'harbin,atlantis', KUAICHU_DOCUMENT_SECRET: 'x'.repeat(64), KUAICHU_PUBLIC_URL: 'https://kuaichu.example.gov.cn' });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /harbin \(cities\/harbin\.yaml\): "sms-dev" is a development driver/);
    assert.doesNotMatch(r.err, /kunming|nantong|yancheng/);
    assert.match(r.err, /KUAICHU_TENANTS names "atlantis"/);
    assert.doesNotMatch(r.err, /KUAICHU_DOCUMENT_SECRET|KUAICHU_PUBLIC_URL/);
  });
});
