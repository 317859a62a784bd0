/**
 * Licence OCR through the core (Kunming runs ocr-paddle): the seat captures the party's driver
 * licence from the call and the real engine reads its fields off the pixels, to pre-fill the
 * check form. The reading is not evidence (the licence number is an ID number); only a photo of
 * the case is read; a city without licence OCR says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLicenceCard } from '@kuaichu/plugin-recognition-paddle/render';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';

let t: TestCore;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
});
after(() => t?.close());

test('a driver licence captured from the call reads as name and licence number, with confidence and boxes; nothing is recorded', async () => {
  const party = await t.party('kunming', '13900000231');
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'licence-reading-1-abcdef', report: { location: { lng: 102.704, lat: 25.048 }, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id as string;
  const seat = await t.staff('kunming', 'seat-wuhua');
  await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } });
  await t.core.tick();
  assert.equal((await t.call('POST', `/api/cases/${id}/answer`, { token: seat })).statusCode, 200);

  const card = await renderLicenceCard([['证号', '530102198811052241'], ['姓名', '王芳'], ['准驾车型', 'C1']], '中华人民共和国机动车驾驶证');
  const form = multipart({ item: 'parties_photo' }, { name: 'licence.png', bytes: card, type: 'image/png' });
  const up = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
  assert.equal(up.statusCode, 201, up.body);
  const photo = up.json().sha256 as string;
  const before = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json().evidence.length;

  const read = await t.call('POST', `/api/cases/${id}/licence-reading`, { token: seat, body: { photo } });
  assert.equal(read.statusCode, 200, read.body);
  const v = read.json();
  assert.equal(v.kind, 'driver');
  assert.equal(v.photo, photo);
  assert.equal(v.fields.name.text, '王芳');
  assert.equal(v.fields.licenceNumber.text, '530102198811052241');
  assert.ok(v.fields.name.confidence > 0.8 && v.fields.name.confidence <= 1);
  assert.equal(v.fields.licenceNumber.box.length, 4);
  assert.equal((await t.call('GET', `/api/cases/${id}`, { token: seat })).json().evidence.length, before, 'a pre-fill, not evidence');

  // Only a photo of this case; a well-formed body.
  const foreign = await t.call('POST', `/api/cases/${id}/licence-reading`, { token: seat, body: { photo: 'a'.repeat(64) } });
  assert.equal(foreign.statusCode, 400);
  assert.match(foreign.json().error.message, /not a photo of this case/);
  assert.equal((await t.call('POST', `/api/cases/${id}/licence-reading`, { token: seat, body: { photo: 'x' } })).statusCode, 400);
  await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
});

test('a city without licence OCR (Harbin has no OCR integration) answers 503 KC_UNAVAILABLE: the seat types the fields', async () => {
  const party = await t.party('harbin', '13900000232');
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'licence-reading-2-abcdef', report: { location: { lng: 126.617, lat: 45.773 }, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id as string;
  const seat = await t.staff('harbin', 'seat-daoli');
  await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } });
  await t.core.tick();
  assert.equal((await t.call('POST', `/api/cases/${id}/answer`, { token: seat })).statusCode, 200);
  const card = await renderLicenceCard([['姓名', '李娜']], '中华人民共和国机动车驾驶证');
  const form = multipart({ item: 'parties_photo' }, { name: 'licence.png', bytes: card, type: 'image/png' });
  const up = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
  assert.equal(up.statusCode, 201, up.body);
  const read = await t.call('POST', `/api/cases/${id}/licence-reading`, { token: seat, body: { photo: up.json().sha256 } });
  assert.equal(read.statusCode, 503, read.body);
  assert.equal(read.json().error.code, 'KC_UNAVAILABLE');
  await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
});
