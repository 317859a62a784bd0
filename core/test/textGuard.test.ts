/**
 * Issue 11.2: a NUL or an unpaired surrogate anywhere in a request (body, query, params, a key,
 * a form field) is a 400 KC_VALIDATION naming the field, never a 500 from the database.
 * Well-formed text outside the BMP (an emoji: a surrogate *pair*) is still fine.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnstorableText } from '../src/http/textGuard.ts';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { tinyPng } from '@kuaichu/testkit/media';

let t: TestCore;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
});
after(() => t?.close());

/** A raw JSON request: the lone surrogate must travel as the JSON escape \ud800, as an attacker sends it. */
function rawJson(method: string, url: string, json: string, token?: string) {
  return t.core.app.inject({ method: method as 'POST', url, payload: json, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
}

function assertRefused(r: { statusCode: number; body: string; json(): any }, path: string) {
  assert.equal(r.statusCode, 400, r.body);
  assert.equal(r.json().error.code, 'KC_VALIDATION');
  assert.ok(r.json().error.message.includes(path), `the message names ${path}: ${r.json().error.message}`);
  assert.deepEqual(r.json().error.details.errors.map((e: { path: string }) => e.path), [path]);
}

test('the walker names the first bad string or key, JSON Pointer style, and accepts surrogate pairs', () => {
  assert.equal(findUnstorableText({ a: ['ok', { b: 'x\u0000y' }] }), '/a/1/b');
  assert.equal(findUnstorableText({ ['k\ud800']: 1 }), '/k\\ud800');
  assert.equal(findUnstorableText('\udc00'), '/');
  assert.equal(findUnstorableText({ text: '追尾 🚗 𠀀', n: 1, ok: true, none: null }), null);
  // Deep nesting cannot overflow the stack: the walk is iterative.
  let deep: unknown = 'end\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const t0 = performance.now();
  assert.equal(findUnstorableText(deep), '/0'.repeat(100_000));
  assert.ok(performance.now() - t0 < 1000, 'linear time');
});

test('login: a NUL in the user name is 400 naming body/username', async () => {
  const r = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'a\u0000b', password: 'x' } });
  assertRefused(r, 'body/username');
});

test('report intake: a lone surrogate in the address is 400 naming body/report/address', async () => {
  const party = await t.party('harbin', '13900000301');
  const json = `{"clientKey":"guard-0001-abcdef","report":{"location":{"lng":126.617,"lat":45.773},"kind":"motor_motor","address":"\\ud800"}}`;
  assertRefused(await rawJson('POST', '/api/cases', json, party), 'body/report/address');
  // The same report with a well-formed address (an emoji is a surrogate pair) is taken.
  const ok = await rawJson('POST', '/api/cases', json.replace('\\ud800', '\\ud83d\\ude97 中央大街'), party);
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((await t.call('POST', `/api/cases/${ok.json().id}/abandon`, { token: party })).statusCode, 200);
});

test('query, params and object keys are checked too', async () => {
  const seat = await t.staff('harbin', 'seat-daoli');
  assertRefused(await t.call('GET', '/api/cases/%00', { token: seat }), 'params/id');
  const admin = await t.staff('harbin', 'admin');
  assertRefused(await t.call('GET', '/api/admin/sms-outbox?to=138%00', { token: admin }), 'querystring/to');
  const r = await rawJson('POST', '/api/cases/00000000-0000-4000-8000-000000000000/evidence', '{"item":"statement","data":{"te\\u0000xt":"x"}}', seat);
  assertRefused(r, 'body/data/te\\u0000xt');
});

test('evidence notes, plate checks and upload form fields: 400, not 500', async () => {
  const party = await t.party('harbin', '13900000302');
  const reported = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'guard-0002-abcdef', report: { location: { lng: 126.617, lat: 45.773 }, kind: 'motor_motor' } } });
  assert.equal(reported.statusCode, 201, reported.body);
  const id = reported.json().id as string;
  const seat = await t.staff('harbin', 'seat-daoli');
  await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } });
  await t.core.tick();
  assert.equal((await t.call('POST', `/api/cases/${id}/answer`, { token: seat })).statusCode, 200);

  assertRefused(await t.call('POST', `/api/cases/${id}/evidence`, { token: seat, body: { item: 'note', data: { text: '备注\u0000' } } }), 'body/data/text');
  assertRefused(await rawJson('POST', `/api/cases/${id}/checks`, '{"plate":"黑A1234\\udfff"}', seat), 'body/plate');
  const form = multipart({ item: 'parties_photo' }, { name: 'a\u0000.png', bytes: tinyPng(), type: 'image/png' });
  assertRefused(await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers }), 'form/filename');
  // Nothing of it reached the case: only the answer is in its timeline.
  const view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
  assert.equal(view.evidence.length, 0);
  await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
});
