/**
 * Issue 11.5: an upload is stored only when a real decoder reads all of it as the type its
 * bytes claim, and only for an item the case may take; a refusal leaves nothing in the store.
 * Served evidence says what it is (checked type, nosniff, Content-Disposition) and runs nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { tinyPng, tinyWebm } from '@kuaichu/testkit/media';

let t: TestCore;
let id: string;
let seat: string;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
  const party = await t.party('harbin', '13900000501');
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'uploads-0001-abcdef', report: { location: { lng: 126.617, lat: 45.773 }, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  id = r.json().id;
  seat = await t.staff('harbin', 'seat-daoli');
  await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } });
  await t.core.tick();
  assert.equal((await t.call('POST', `/api/cases/${id}/answer`, { token: seat })).statusCode, 200);
});
after(() => t?.close());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function upload(item: string, bytes: Uint8Array, name: string, type: string) {
  const form = multipart({ item }, { name, bytes, type });
  return t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
}

async function assertRefused(r: Awaited<ReturnType<typeof upload>>, bytes: Uint8Array, status: number, code: string) {
  assert.equal(r.statusCode, status, r.body);
  assert.equal(r.json().error.code, code);
  assert.equal(await t.core.ctx.files.has(sha(bytes)), false, 'nothing was written to the store');
}

test('JPEG magic followed by HTML is refused (415), not stored as image/jpeg', async () => {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('<html><script>alert(document.cookie)</script></html>')]);
  await assertRefused(await upload('parties_photo', bytes, 'x.jpg', 'image/jpeg'), bytes, 415, 'KC_FILE_TYPE');
});

test('a bare 8-byte PNG signature, a truncated image, a PNG with a page after IEND: 415', async () => {
  const png = tinyPng(6, 6, [1, 2, 3]);
  const jpeg = new Uint8Array(await sharp({ create: { width: 32, height: 32, channels: 3, background: '#345' } }).jpeg().toBuffer());
  for (const bytes of [png.subarray(0, 8), jpeg.subarray(0, jpeg.length - 64), Buffer.concat([png, Buffer.from('<script>1</script>')])]) {
    await assertRefused(await upload('parties_photo', bytes, 'p.png', 'image/png'), bytes, 415, 'KC_FILE_TYPE');
  }
});

test('a WebM header without a clip, and a clip with a page appended, are refused; a real clip is taken', async () => {
  const header = Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d, 0x01]);
  await assertRefused(await upload('vehicle_angles', header, 'a.webm', 'video/webm'), header, 415, 'KC_FILE_TYPE');
  const polyglot = Buffer.concat([tinyWebm(40), Buffer.from('<html><script>1</script>')]);
  await assertRefused(await upload('vehicle_angles', polyglot, 'a.webm', 'video/webm'), polyglot, 415, 'KC_FILE_TYPE');
  const clip = tinyWebm(41);
  const r = await upload('vehicle_angles', clip, 'a.webm', 'video/webm');
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().contentType, 'video/webm');
  assert.equal(await t.core.ctx.files.has(sha(clip)), true);
});

test('an item not on the checklist is refused before the file is written: no orphan', async () => {
  const png = tinyPng(5, 5, [9, 9, 9]);
  await assertRefused(await upload('not_on_the_list', png, 'p.png', 'image/png'), png, 400, 'KC_VALIDATION');
  await assertRefused(await upload('driver_check', png, 'p.png', 'image/png'), png, 400, 'KC_VALIDATION');
});

test('real JPEG, PNG and WebP photos are taken under their checked type and served with nosniff and a disposition', async () => {
  const jpeg = new Uint8Array(await sharp({ create: { width: 16, height: 12, channels: 3, background: '#a52' } }).jpeg().toBuffer());
  const webp = new Uint8Array(await sharp({ create: { width: 16, height: 12, channels: 3, background: '#2a5' } }).webp().toBuffer());
  for (const [bytes, type, ext] of [[jpeg, 'image/jpeg', 'jpg'], [tinyPng(3, 3, [200, 1, 1]), 'image/png', 'png'], [webp, 'image/webp', 'webp']] as const) {
    const r = await upload('collision_closeups', bytes, 'named-wrongly.gif', 'image/gif');
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().contentType, type);
    const served = await t.call('GET', `/api/cases/${id}/files/${r.json().sha256}`, { token: seat });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], type);
    assert.equal(served.headers['x-content-type-options'], 'nosniff');
    assert.equal(served.headers['content-disposition'], `inline; filename="evidence-${r.json().sha256.slice(0, 12)}.${ext}"`);
    assert.match(String(served.headers['content-security-policy']), /default-src 'none'.*sandbox/);
    assert.deepEqual(new Uint8Array(served.rawPayload), bytes);
  }
});

test('a file the case refuses once it has moved on (escalated) is removed again', async () => {
  assert.equal((await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '需要现场处理' } })).statusCode, 200);
  const png = tinyPng(7, 7, [7, 7, 7]);
  await assertRefused(await upload('parties_photo', png, 'p.png', 'image/png'), png, 409, 'KC_TRANSITION_NOT_ALLOWED');
  // The same bytes already held by another item stay: only an orphan is removed.
  const held = tinyPng(3, 3, [200, 1, 1]);
  assert.equal(await t.core.ctx.files.has(sha(held)), true);
  const again = await upload('parties_photo', held, 'p.png', 'image/png');
  assert.equal(again.statusCode, 409, again.body);
  assert.equal(await t.core.ctx.files.has(sha(held)), true, 'still served for the item that holds it');
});
