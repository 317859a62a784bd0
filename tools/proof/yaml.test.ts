/** The short version of `npm run proof:yaml` (issue 16): every hostile profile refused with a problem that says where, never thrown, never a 5xx. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostileYaml } from './yaml.ts';

test('hostile YAML profiles: alias bombs, deep nesting, 10 MB, many keys, bad bytes, tags — refused clearly', { timeout: 300_000 }, async (t) => {
  const f = await hostileYaml();
  for (const c of f.cases) t.diagnostic(`${c.name}: ${c.outcome}`);
  assert.ok(f.cases.length >= 20);
  assert.deepEqual(f.failures, []);
});
