/**
 * Issue 11.4: every answer — API, errors, /docs — carries the security headers (CSP with
 * frame-ancestors 'none', nosniff, a referrer policy, no framing); HSTS only in production.
 * Pages are checked in Chromium by the e2e smoke spec (no CSP violation on any screen).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { securityHeaders } from '../src/http/securityHeaders.ts';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';

let t: TestCore;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
});
after(() => t?.close());

function assertHeaders(h: Record<string, unknown>, what: string) {
  const csp = String(h['content-security-policy'] ?? '');
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP forbids framing`);
  assert.match(csp, /default-src 'self'/, `${what}: CSP`);
  assert.match(csp, /script-src 'self'(;|$)/, `${what}: scripts only from our origin, no inline`);
  assert.equal(h['x-content-type-options'], 'nosniff', what);
  assert.equal(h['x-frame-options'], 'DENY', what);
  assert.equal(h['referrer-policy'], 'same-origin', what);
  assert.equal(h['strict-transport-security'], undefined, `${what}: no HSTS outside production`);
  assert.ok(!csp.includes('upgrade-insecure-requests'), `${what}: a LAN server speaks http`);
}

test('API answers, errors and the API docs carry the headers', async () => {
  const cities = await t.call('GET', '/api/cities');
  assert.equal(cities.statusCode, 200);
  assertHeaders(cities.headers, 'GET /api/cities');
  const missing = await t.call('GET', '/api/no-such-thing');
  assert.equal(missing.statusCode, 404);
  assertHeaders(missing.headers, '404');
  const refused = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin' } });
  assert.equal(refused.statusCode, 400);
  assertHeaders(refused.headers, '400');
  const docs = await t.call('GET', '/docs');
  assert.equal(docs.statusCode, 200, docs.body);
  assertHeaders(docs.headers, '/docs');
  assert.ok(!/<script>(?!\s*<\/script>)/.test(docs.body), 'the docs page has no inline script for the CSP to block');
  assert.equal((await t.call('GET', '/docs/json')).statusCode, 200);
});

test('HSTS and upgrade-insecure-requests only in production', async () => {
  for (const production of [true, false]) {
    const app = Fastify();
    await securityHeaders(app, { production });
    app.get('/', async () => ({ ok: true }));
    const r = await app.inject({ method: 'GET', url: '/' });
    assert.equal(r.headers['strict-transport-security'] !== undefined, production, `HSTS when production=${production}`);
    assert.equal(String(r.headers['content-security-policy']).includes('upgrade-insecure-requests'), production);
    if (production) assert.match(String(r.headers['strict-transport-security']), /max-age=\d{7,}; includeSubDomains/);
    await app.close();
  }
});
