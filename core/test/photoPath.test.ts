/**
 * Issue 18: the photo path (事故快处) over HTTP on PGlite — the pre-check tells the party app
 * which paths this accident may take and why not, and a photo for a required shot is checked
 * (decodes as JPEG/PNG, big enough, not blank) before the app accepts it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { PLACES } from '@kuaichu/testkit/places';

let t: TestCore;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
});
after(() => t?.close());

const at = (p: readonly [number, number]) => ({ lng: p[0], lat: p[1] });
const check = (tenant: string, report: object) => t.call('POST', `/api/cities/${tenant}/check`, { body: report });
const codes = (reasons: Array<{ code: string }>) => reasons.map((r) => r.code);

/** A photo with something in it: a road-grey gradient, a car-sized block and sensor noise. */
async function scene(width: number, height: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<Uint8Array> {
  const px = Buffer.alloc(width * height * 3);
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 21) - 10;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const car = x > width / 4 && x < (3 * width) / 4 && y > height / 3 && y < (2 * height) / 3;
      const base = car ? [180, 30, 40] : [90 + (y * 80) / height, 90 + (y * 80) / height, 95 + (y * 80) / height];
      for (let c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, base[c]! + noise()));
    }
  }
  const img = sharp(px, { raw: { width, height, channels: 3 } });
  return new Uint8Array(await (format === 'jpeg' ? img.jpeg({ quality: 85 }) : img.png()).toBuffer());
}

function send(token: string, shot: string, bytes: Uint8Array, type = 'image/jpeg') {
  const form = multipart({}, { name: 'shot.jpg', bytes, type });
  return t.call('POST', `/api/photo-path/shots/${shot}/check`, { token, body: form.body, headers: form.headers });
}

describe('the pre-check answers each path', () => {
  test('a city with only video (Harbin) answers photo: not offered, with the reason in the party’s words; video unchanged', async () => {
    const r = await check('harbin', { location: at(PLACES.harbin.道里区), kind: 'motor_motor' });
    assert.equal(r.statusCode, 200, r.body);
    const d = r.json();
    assert.equal(d.eligible, true);
    assert.deepEqual(d.paths.video, { offered: true, eligible: true, reasons: [] });
    assert.equal(d.paths.photo.offered, false);
    assert.equal(d.paths.photo.eligible, false);
    assert.deepEqual(codes(d.paths.photo.reasons), ['path_not_offered']);
    assert.equal(d.paths.photo.reasons[0].message.zh, '本市未开通事故快处（拍照自行协商）。');
    assert.match(d.paths.photo.reasons[0].message.en, /does not offer photo quick handling/);
  });

  test('Kunming, two cars, nobody hurt: both paths', async () => {
    const d = (await check('kunming', { location: at(PLACES.kunming.盘龙区), kind: 'motor_motor' })).json();
    assert.equal(d.paths.video.eligible, true);
    assert.deepEqual(d.paths.photo, { offered: true, eligible: true, reasons: [] });
  });

  test('Kunming, ineligible for photos — a single vehicle; two cars with an injury; a drunk driver — each told why', async () => {
    const single = (await check('kunming', { location: at(PLACES.kunming.官渡区), kind: 'single_vehicle' })).json();
    assert.equal(single.paths.video.eligible, true, 'Kunming takes a single vehicle by video');
    assert.deepEqual(codes(single.paths.photo.reasons), ['type_not_accepted']);
    assert.match(single.paths.photo.reasons[0].message.zh, /事故快处仅受理两辆机动车之间的事故，不受理单方事故/);

    const hurt = (await check('kunming', { location: at(PLACES.kunming.五华区), kind: 'motor_motor', injury: 'minor' })).json();
    assert.equal(hurt.paths.video.eligible, true);
    assert.deepEqual(codes(hurt.paths.photo.reasons), ['injury_not_accepted']);
    assert.match(hurt.paths.photo.reasons[0].message.en, /only accidents where nobody is injured/);

    const three = (await check('kunming', { location: at(PLACES.kunming.五华区), kind: 'motor_motor', parties: 3, disqualifiers: ['drink_driving'] })).json();
    assert.deepEqual(codes(three.paths.photo.reasons).sort(), ['drink_driving', 'too_many_parties']);
    assert.equal(three.paths.photo.eligible, false);
  });

  test('outside the city’s area the photo path is refused as well', async () => {
    const d = (await check('kunming', { location: at(PLACES.kunming.安宁市), kind: 'motor_motor' })).json();
    assert.deepEqual(codes(d.paths.photo.reasons), ['district_not_covered']);
    assert.match(d.paths.photo.reasons[0].message.zh, /不在事故快处服务区域内/);
  });
});

describe('a photo for a required shot is checked before it is accepted', () => {
  test('in a city without the photo path: 409 KC_PATH_NOT_OFFERED', async () => {
    const party = await t.party('harbin', '13900001801');
    const r = await send(party, 'side_front', await scene(640, 480));
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(r.json().error.code, 'KC_PATH_NOT_OFFERED');
    assert.deepEqual(r.json().error.details.offered, ['video']);
  });

  test('Kunming: a good photo is accepted; a blank, a small, a non-image and an unknown shot are refused with their codes', async () => {
    const party = await t.party('kunming', '13900001802');
    const good = await scene(640, 480);
    const ok = await send(party, 'side_front', good);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { shot: 'side_front', accepted: true, contentType: 'image/jpeg', width: 640, height: 480, sha256: createHash('sha256').update(good).digest('hex') });
    const png = await send(party, 'collision_point', await scene(480, 640, 'png'), 'image/png');
    assert.equal(png.statusCode, 200, png.body);
    assert.equal(png.json().contentType, 'image/png');

    const lensCap = new Uint8Array(await sharp({ create: { width: 1280, height: 960, channels: 3, background: '#111' } }).jpeg().toBuffer());
    const blank = await send(party, 'side_rear', lensCap);
    assert.equal(blank.statusCode, 422, blank.body);
    assert.equal(blank.json().error.code, 'KC_PHOTO_BLANK');

    const small = await send(party, 'side_front', await scene(320, 240));
    assert.equal(small.statusCode, 422, small.body);
    assert.equal(small.json().error.code, 'KC_PHOTO_SIZE');
    assert.equal(small.json().error.details.minShortSide, 480);

    const webp = new Uint8Array(await sharp(Buffer.from(good)).webp().toBuffer());
    const truncated = good.subarray(0, good.length - 200);
    for (const bytes of [new TextEncoder().encode('<html>not a photo</html>'), webp, truncated]) {
      const r = await send(party, 'side_front', bytes);
      assert.equal(r.statusCode, 415, r.body);
      assert.equal(r.json().error.code, 'KC_PHOTO_UNREADABLE');
    }

    const unknown = await send(party, 'selfie', good);
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.deepEqual(unknown.json().error.details.shots, ['side_front', 'side_rear', 'collision_point', 'road_markings']);
  });

  test('only a signed-in party may send photos', async () => {
    const r = await send('', 'side_front', await scene(640, 480));
    assert.equal(r.statusCode, 401, r.body);
  });
});

test('the city’s page tells the party app the paths and the shots to illustrate', async () => {
  const kunming = (await t.call('GET', '/api/cities/kunming')).json();
  assert.deepEqual(kunming.paths, ['video', 'photo']);
  assert.deepEqual(kunming.photoPath.shots.map((s: { shot: string; per?: string }) => `${s.shot}${s.per ? `/${s.per}` : ''}`), ['side_front/vehicle', 'side_rear/vehicle', 'collision_point', 'road_markings']);
  const harbin = (await t.call('GET', '/api/cities/harbin')).json();
  assert.deepEqual(harbin.paths, ['video']);
  assert.equal('photoPath' in harbin, false);
});
