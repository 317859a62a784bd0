import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FileUsedTokens, KEEP_AFTER_EXPIRY_MS, MemoryUsedTokens } from '../src/usedTokens.ts';

const run = promisify(execFile);
const now = new Date('2026-06-01T21:30:00+08:00');
const exp = new Date(now.getTime() + 600_000);
const storeModule = fileURLToPath(new URL('../src/usedTokens.ts', import.meta.url));

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-used-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('memory: the first claim of an id wins, per tenant; expired claims are forgotten after the margin', () => {
  const m = new MemoryUsedTokens();
  assert.equal(m.claim('nantong', 'jti-aaaaaaaaaaaaaaaa', exp, now), true);
  assert.equal(m.claim('nantong', 'jti-aaaaaaaaaaaaaaaa', exp, now), false);
  assert.equal(m.claim('harbin', 'jti-aaaaaaaaaaaaaaaa', exp, now), true, 'another tenant');
  const later = new Date(exp.getTime() + KEEP_AFTER_EXPIRY_MS + 61_000);
  m.claim('nantong', 'jti-bbbbbbbbbbbbbbbb', new Date(later.getTime() + 600_000), later);
  assert.equal(m.size, 1, 'only the live claim is kept');
});

test('file: two stores on one directory see each other\'s claims; sweeping keeps live ones', (t) => {
  const dir = tempDir(t);
  const a = new FileUsedTokens(dir);
  const b = new FileUsedTokens(dir);
  assert.equal(a.claim('nantong', 'jti-cccccccccccccccc', exp, now), true);
  assert.equal(b.claim('nantong', 'jti-cccccccccccccccc', exp, now), false);
  assert.equal(b.claim('nantong', 'jti-dddddddddddddddd', new Date(exp.getTime() + 3_600_000), now), true);
  assert.equal(readdirSync(dir).length, 2);
  a.sweep(exp.getTime() + KEEP_AFTER_EXPIRY_MS - 1, true);
  assert.equal(readdirSync(dir).length, 2, 'within the margin past expiry nothing goes');
  a.sweep(exp.getTime() + KEEP_AFTER_EXPIRY_MS, true);
  assert.equal(readdirSync(dir).length, 1, 'the expired claim went, the live one stayed');
  assert.equal(a.claim('nantong', 'jti-dddddddddddddddd', exp, now), false);
});

test('file: a claim made by another process is seen here, and only one of many racing processes wins', async (t) => {
  const dir = tempDir(t);
  const script = `import { FileUsedTokens } from ${JSON.stringify(storeModule)};
    const s = new FileUsedTokens(process.argv[1]);
    process.stdout.write(String(s.claim('nantong', process.argv[2], new Date(Date.now() + 600000), new Date())));`;
  const claimElsewhere = (jti: string) => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, jti]).then((r) => r.stdout);
  const results = await Promise.all([1, 2, 3].map(() => claimElsewhere('jti-ffffffffffffffff')));
  assert.deepEqual(results.sort(), ['false', 'false', 'true']);
  assert.equal(new FileUsedTokens(dir).claim('nantong', 'jti-ffffffffffffffff', exp, now), false, 'used in another process');
});
