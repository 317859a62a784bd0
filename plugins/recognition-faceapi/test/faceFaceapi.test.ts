/**
 * face-faceapi on the real face-api models, with photos that npm packages ship publicly:
 * @vladmandic/human's screenshots show its author's face three times (a webcam still, a face
 * cropped from a group photo, the face-match demo's selected face) and other people's faces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createFaceFaceapi, engine, engineLoadMs, ImageInputError } from '../src/index.ts';
import { anotherPerson, author, otherPerson, videoFrame } from './photos.ts';

const logged: object[] = [];
const face = createFaceFaceapi({}, { tenant: 'harbin', env: {}, log: { info: (o) => logged.push(o), warn: () => {} } });
const compare = (probe: Uint8Array, reference: Uint8Array) => face.compare({ tenant: 'harbin', probe, reference });

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

test("a threshold given with the call (the city's checklist line) is the bar the pair is judged by; a frame of the call works as the probe", async () => {
  const frame = await videoFrame(await author.demo());
  const reference = await author.group();
  const usual = await face.compare({ tenant: 'harbin', probe: frame, reference });
  assert.equal(usual.match, true, `score ${usual.score}`);
  assert.ok(usual.probeFace!.box.x > 200 && usual.probeFace!.box.x < 330, `the face is found where the frame has it: ${JSON.stringify(usual.probeFace)}`);
  const strict = await face.compare({ tenant: 'harbin', probe: frame, reference, threshold: 0.95 });
  assert.deepEqual([strict.threshold, strict.match, strict.score], [0.95, false, usual.score]);
  await assert.rejects(face.compare({ tenant: 'harbin', probe: frame, reference, threshold: 1.5 }), /threshold 1.5 is not between 0 and 1/);
});

test('a face thread that dies fails its comparison clearly, and the next comparison starts a new one', async () => {
  const [probe, reference] = [await author.webcam(), await author.group()];
  const first = await engine();
  const comparing = first.detect(new Uint8Array(300 * 300 * 3).fill(128), 300, 300, 0.5);
  await first.worker.terminate();
  await assert.rejects(comparing, /face thread exited/);
  const again = await compare(probe, reference);
  assert.equal(again.match, true);
  assert.notEqual(await engine(), first);
});
