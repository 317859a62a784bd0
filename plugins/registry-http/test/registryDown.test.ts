/**
 * Through the core: Harbin with registry-http in place of the development registry. While the
 * registry is down every check is recorded as "verify manually" evidence, the checklist counts
 * it as a finding, and the call goes on to the parties leaving the scene; once the registry is
 * back a new check replaces the finding.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@kuaichu/core/paths';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, reported, seatReady } from '@kuaichu/testkit/cases';
import { recordHarbinFacts } from '@kuaichu/testkit/harbinCase';
import { startKc1Server, type Kc1Server, type Seen, type Reply } from '@kuaichu/testkit/kc1Server';

const SECRET = 'harbin-registry-secret-0123456789abcdef';

/** The registry when it is up: every driver and car of the test in order. */
function registry(req: Seen): Reply {
  if (req.path.endsWith('/driver-licence/verify')) return { status: 200, body: { code: 'VALID', data: { licenceClass: 'C1', validUntil: '2031-01-01' } } };
  if (req.path.endsWith('/vehicle/verify')) return { status: 200, body: { code: 'NORMAL', data: { vehicleClassName: '小型轿车' } } };
  return { status: 200, body: { code: 'IN_FORCE', data: { insurerCode: 'PICC', policyNumber: 'P-1', validFrom: '2026-01-01', validTo: '2026-12-31' } } };
}

let server: Kc1Server;
let t: TestCore;
before(async () => {
  server = await startKc1Server({ 'harbin-reg': SECRET }, () => ({ status: 503 }));
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-cities-'));
  cpSync(path.join(repoRoot, 'cities'), dir, { recursive: true });
  const file = path.join(dir, 'harbin.yaml');
  const yaml = readFileSync(file, 'utf8');
  assert.match(yaml, /- \{ plugin: registry-dev \}/);
  writeFileSync(file, yaml.replace('- { plugin: registry-dev }', `- { plugin: registry-http, options: { baseUrl: "${server.url}/gw", keyId: harbin-reg, secretEnv: KC_HARBIN_REGISTRY_SECRET, timeoutMs: 500, attempts: 2, backoffMs: 5, maxBackoffMs: 10, breakerFailures: 50 } }`));
  t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { citiesDir: dir, env: { KC_HARBIN_REGISTRY_SECRET: SECRET } });
});
after(async () => {
  await t?.close();
  await server?.close();
});

test('a registry that is down makes each check "verify manually": a finding, the checklist completes and the parties may leave; a later check replaces it', async () => {
  const seat = await seatReady(t);
  const { id } = await reported(t, '13800000991');
  await answer(t, id, seat);
  await recordHarbinFacts(t, id, seat);

  for (const [name, idNumber, plate] of [['张伟', '230102198503127810', '黑A12345'], ['李娜', '230103199007214422', '黑AD56789']] as const) {
    const r = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body: { driver: { name, idNumber }, plate } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().map((c: { status: string; ok: boolean }) => [c.status, c.ok]), [['unavailable', false], ['unavailable', false], ['unavailable', false]]);
    assert.ok(r.json().every((c: { detail: string }) => /暂不可用.*请人工核验/.test(c.detail)));
  }
  assert.ok(server.seen.length >= 12 && server.seen.every((s) => s.refused === null), 'the registry was asked, signed, and did not answer');

  let view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
  const checks = view.evidence.filter((e: { data: { check?: string } }) => e.data.check);
  assert.equal(checks.length, 6);
  assert.ok(checks.every((e: { data: { verifyManually?: boolean } }) => e.data.verifyManually === true), 'recorded as verify-manually evidence');
  for (const line of view.checklist.lines.filter((l: { kind: string }) => l.kind === 'check')) {
    assert.equal(line.satisfied, true, `${line.id} counts both subjects`);
    assert.ok(line.findings.every((f: { status: string }) => f.status === 'unavailable'), `${line.id}: the seat sees what to verify by hand`);
  }
  assert.equal(view.checklist.complete, true);
  assert.equal(view.state, 'evidence_complete', 'the call goes on');

  // The registry is back: checking again replaces the finding with the answer.
  server.reply = registry;
  const again = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body: { driver: { name: '张伟', idNumber: '230102198503127810' }, plate: '黑A12345' } });
  assert.deepEqual(again.json().map((c: { status: string }) => c.status), ['valid', 'valid', 'valid']);
  view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
  const driverLine = view.checklist.lines.find((l: { check?: string; id: string }) => l.id === checks[0].item);
  assert.equal(driverLine.findings.length, 1, 'only the driver not checked again is still to verify by hand');

  const left = await t.call('POST', `/api/cases/${id}/evacuate`, { token: seat });
  assert.equal(left.statusCode, 200, left.body);
  assert.equal(left.json().state, 'evacuated');
});
