/**
 * The short version of `npm run proof:api` (issue 16): the contract fuzz (a few generated
 * requests per operation of the OpenAPI document, as every kind of caller), the isolation probe
 * (every operation aimed at a Harbin case's ids by every stranger) and the scan of the server's
 * log for ID numbers and mobile numbers — on one world, from fixed seeds (a failure replays).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { contractFuzz, isolationProbe } from './api.ts';
import { scanForPersonalData } from './logScan.ts';
import { readOpenApi, type ApiDocument } from './openapi.ts';
import { buildWorld, type World } from './world.ts';

let w: World;
let doc: ApiDocument;
before(async () => {
  w = await buildWorld();
  doc = await readOpenApi(w.t.core.app);
});
after(() => w?.close());

test('contract fuzz: every operation, valid and invalid input, every caller — 0 5xx, 0 partial writes', { timeout: 300_000 }, async (t) => {
  assert.ok(doc.operations.length >= 45, `the document lists the API (${doc.operations.length} operations)`);
  const f = await contractFuzz(w, doc, { perOperation: 5, seed: 16 });
  t.diagnostic(`${f.operations} operations, ${f.requests} requests ${JSON.stringify(f.byStatus)}`);
  assert.ok((f.byStatus['2xx'] ?? 0) > 0 && (f.byStatus['4xx'] ?? 0) > 0, 'both accepted and refused requests were tried');
  assert.deepEqual(f.serverErrors, [], '5xx answers');
  assert.deepEqual(f.partialWrites, [], 'refused requests that wrote');
});

test('isolation: every operation aimed at a Harbin case by every stranger — 0 leaks', { timeout: 300_000 }, async (t) => {
  const f = await isolationProbe(w, doc, { seed: 16 });
  t.diagnostic(`${f.operations} operations × ${w.strangers.length} strangers: ${f.requests} probes ${JSON.stringify(f.byStatus)}`);
  assert.deepEqual(f.serverErrors, [], '5xx answers');
  assert.deepEqual(f.leaks, [], 'leaks');
});

test('the server log of the whole run holds no ID number and no mobile number', (t) => {
  assert.ok(w.log.length > 100, `the run was logged (${w.log.length} lines)`);
  const hits = scanForPersonalData(w.log);
  t.diagnostic(`${w.log.length} log lines scanned`);
  assert.deepEqual(hits.map((h) => `${h.kind} ${h.text}: ${w.log[h.line - 1]!.slice(0, 300)}`), []);
});
