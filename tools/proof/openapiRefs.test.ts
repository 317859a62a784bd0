// Issue 16: every `$ref` in the OpenAPI document (`/docs/json`) points at a component that exists
// (a JSON pointer into `#/components/schemas/…` that resolves), so a generic OpenAPI client can
// follow them all; the rewritten refs still name the schema the file meant (by its title).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore } from '@kuaichu/testkit/core';
import { readSchemaFiles } from '@kuaichu/core/schemas';

type Node = Record<string, unknown>;

test('every $ref of /docs/json resolves inside the document', async (t) => {
  const core = await startTestCore({ kind: 'pglite' });
  t.after(() => core.close());
  const r = await core.call('GET', '/docs/json');
  assert.equal(r.statusCode, 200);
  const doc = r.json() as Node;
  const pointer = (ref: string): unknown => {
    if (!ref.startsWith('#/')) return undefined;
    let at: unknown = doc;
    for (const part of ref.slice(2).split('/').map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'))) at = at && typeof at === 'object' ? (at as Node)[part] : undefined;
    return at;
  };
  const refs: string[] = [];
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (typeof (n as Node).$ref === 'string') refs.push((n as Node).$ref as string);
    for (const v of Object.values(n as Node)) walk(v);
  };
  walk(doc);
  t.diagnostic(`${refs.length} refs`);
  assert.ok(refs.length > 100);
  assert.deepEqual([...new Set(refs.filter((ref) => pointer(ref) === undefined))], [], 'refs that do not resolve');
  // def-<n> is the n-th schema file (the order openApiRefs.ts relies on): same titles.
  const components = (doc.components as Node).schemas as Record<string, Node>;
  [...readSchemaFiles().values()].forEach((file, i) => assert.equal(components[`def-${i}`]?.title, (file as Node).title, `def-${i} is ${String((file as Node).$id)}`));
  // A cross-file ref lands on the schema it meant: the report's location is the accident report's.
  const titles = new Set(refs.map((ref) => (pointer(ref) as Node).title).filter(Boolean));
  for (const title of ['AccidentReport', 'CaseSummary', 'LocalText']) assert.ok(titles.has(title), `a ref reaches ${title}`);
});
