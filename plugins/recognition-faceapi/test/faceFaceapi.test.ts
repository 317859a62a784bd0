/**
 * face-faceapi on the real face-api models, with photos that npm packages ship publicly:
 * @vladmandic/human's screenshots show its author's face three times (a webcam still, a face
 * cropped from a group photo, the face-match demo's selected face) and other people's faces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { createFaceFaceapi, engineLoadMs, ImageInputError } from '../src/index.ts';

const require = createRequire(import.meta.url);
const assets = path.join(path.dirname(path.dirname(require.resolve('@vladmandic/human'))), 'assets');
const crop = (file: string, left: number, top: number, width: number, height: number) =>
  sharp(path.join(assets, file)).extract({ left, top, width, height }).jpeg({ quality: 90 }).toBuffer();

const logged: object[] = [];
const face = createFaceFaceapi({}, { tenant: 'harbin', env: {}, log: { info: (o) => logged.push(o), warn: () => {} } });
const compare = (probe: Uint8Array, reference: Uint8Array) => face.compare({ tenant: 'harbin', probe, reference });

const author = {
  webcam: () => crop('screenshot-faceid.jpg', 14, 142, 140, 140),
  group: () => crop('screenshot-facedetect.jpg', 8, 346, 150, 151),
  demo: () => crop('screenshot-facematch.jpg', 0, 0, 200, 200),
};
const otherPerson = () => crop('screenshot-facedetect.jpg', 164, 346, 151, 151);
const anotherPerson = () => crop('screenshot-facedetect.jpg', 321, 346, 151, 151);

test('the same person in two different photos matches, with score and threshold', async () => {
  const r = await compare(await author.webcam(), await author.group());
  assert.equal(r.threshold, 0.5);
  assert.ok(r.score >= r.threshold, `score ${r.score}`);
  assert.equal(r.match, true);
  assert.ok(r.probeFace && r.probeFace.confidence > 0.9 && r.probeFace.box.width > 50, JSON.stringify(r.probeFace));
  const again = await compare(await author.demo(), await author.group());
  assert.equal(again.match, true, `score ${again.score}`);
  assert.ok(engineLoadMs()! > 0);
});

// Only pairs whose truth is certain: the author against women. Whether two of the women in the
// screenshots are the same person is not known, so no pair of them is asserted either way.
test('different people do not match', async () => {
  const r = await compare(await author.group(), await otherPerson());
  assert.equal(r.match, false);
  assert.ok(r.score < r.threshold, `score ${r.score}`);
  const another = await compare(await author.demo(), await anotherPerson());
  assert.equal(another.match, false, `score ${another.score}`);
});

test('an image without a face is no match with score 0, saying which side had none', async () => {
  const wall = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#9a9a9a' } }).png().toBuffer();
  const r = await compare(await author.webcam(), wall);
  assert.deepEqual({ match: r.match, score: r.score, reference: r.referenceFace }, { match: false, score: 0, reference: null });
  assert.ok(r.probeFace);
  assert.deepEqual(Object.keys(logged.at(-1)!).sort(), ['match', 'ms', 'plugin', 'probeFace', 'referenceFace', 'score', 'tenant', 'threshold']);
});

test('bad input: empty, not an image, other tenant', async () => {
  const ok = await author.webcam();
  await assert.rejects(compare(new Uint8Array(), ok), (e: Error) => e instanceof ImageInputError && /probe image is empty/.test(e.message));
  await assert.rejects(compare(ok, new TextEncoder().encode('GIF89a? no')), (e: Error) => e instanceof ImageInputError && /reference image is not an image/.test(e.message));
  await assert.rejects(face.compare({ tenant: 'kunming', probe: ok, reference: ok }), /tenant "kunming"/);
});
