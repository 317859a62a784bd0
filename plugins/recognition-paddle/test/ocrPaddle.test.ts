/**
 * ocr-paddle on the real PaddleOCR models: plates and licences rendered here in a CJK font
 * (Noto Sans CJK) must read back exactly; bad input gets a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createOcrPaddle, ImageInputError } from '../src/index.ts';
import { renderLicenceCard, renderPlatePhoto, seeded } from '../src/render.ts';

const logged: object[] = [];
const ocr = createOcrPaddle({}, { tenant: 'harbin', env: {}, log: { info: (o) => logged.push(o), warn: () => {} } });
const read = (image: Uint8Array, contentType = 'image/jpeg') => ocr.readPlate({ tenant: 'harbin', image, contentType });
const mild = { perspective: 0.06, blur: 0.6, noise: 6, quality: 80 };

test('a blue plate photo at an angle reads exactly, with its box', async () => {
  const reading = await read(await renderPlatePhoto('黑A12345', 'blue', seeded(1), mild));
  assert.equal(reading.plate, '黑A12345');
  assert.equal(reading.kind, 'blue');
  assert.ok(reading.confidence > 0.9, `confidence ${reading.confidence}`);
  assert.match(reading.text ?? '', /^黑A.?12345$/);
  assert.equal(reading.box?.length, 4);
});

test('a green new-energy plate reads as 8 characters', async () => {
  const reading = await read(await renderPlatePhoto('云AD12345', 'green', seeded(2), mild));
  assert.equal(reading.plate, '云AD12345');
  assert.equal(reading.kind, 'green');
});

const card = (rows: Array<[string, string]>, title: string) => renderLicenceCard(rows, title);

test('driver licence: name and licence number; the number is masked in the log', async () => {
  const image = await card([['证号', '230102199003071234'], ['姓名', '王小明'], ['准驾车型', 'C1']], '中华人民共和国机动车驾驶证');
  const r = await ocr.readLicence({ tenant: 'harbin', image, contentType: 'image/png' });
  assert.equal(r.kind, 'driver');
  assert.equal(r.fields.name?.text, '王小明');
  assert.equal(r.fields.licenceNumber?.text, '230102199003071234');
  assert.ok(r.fields.name!.confidence > 0.8);
  assert.equal(r.fields.name!.box.length, 4);
  const line = JSON.stringify(logged.at(-1));
  assert.ok(!line.includes('230102199003071234') && line.includes('2301**********1234'), line);
});

test('vehicle licence: owner, plate and VIN', async () => {
  const image = await card([['号牌号码', '云AD12345'], ['所有人', '李四'], ['车辆识别代号', 'LSVAM4187C2184847']], '中华人民共和国机动车行驶证');
  const r = await ocr.readLicence({ tenant: 'harbin', image, contentType: 'image/png' });
  assert.equal(r.kind, 'vehicle');
  assert.equal(r.fields.plate?.text, '云AD12345');
  assert.equal(r.fields.name?.text, '李四');
  assert.equal(r.fields.vin?.text, 'LSVAM4187C2184847');
});

test('an image without a plate reads as no plate', async () => {
  const blank = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#777' } }).png().toBuffer();
  assert.deepEqual(await read(blank, 'image/png'), { plate: null, confidence: 0 });
});

test('bad input: empty, not an image, wrong type, other tenant', async () => {
  await assert.rejects(read(new Uint8Array()), (e: Error) => e instanceof ImageInputError && /the image is empty/.test(e.message));
  await assert.rejects(read(new TextEncoder().encode('not a picture at all')), (e: Error) => e instanceof ImageInputError && /not an image/.test(e.message));
  await assert.rejects(read(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70])), (e: Error) => e instanceof ImageInputError);
  await assert.rejects(read(new Uint8Array([1]), 'text/plain'), /unsupported content type "text\/plain"/);
  await assert.rejects(ocr.readPlate({ tenant: 'kunming', image: new Uint8Array([1]), contentType: 'image/png' }), /tenant "kunming"/);
});
