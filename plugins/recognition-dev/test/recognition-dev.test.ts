import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import type { FacePort, OcrPort, PluginContext } from '@kuaichu/core/ports';
import plugins, {
  crc32,
  createFaceDev,
  createOcrDev,
  faceDev,
  jpegSegments,
  ocrDev,
  pngChunks,
  readImageText,
  solidPng,
  withJpegText,
  withPngText,
} from '../src/index.ts';

const ctx: PluginContext = { tenant: 'nantong', env: {}, log: { info() {}, warn() {} } };
const tenant = 'nantong';
const ocr = createOcrDev({}, ctx);
const face = createFaceDev({}, ctx);

/** A real baseline JPEG, 1×1 grey: SOI, APP0 JFIF, DQT, SOF0, two DHT, SOS, 1 byte of scan, EOI. */
function tinyJpeg(): Uint8Array {
  const hex = [
    'ffd8',
    'ffe000104a46494600010100000100010000',
    'ffdb004300' + '01'.repeat(64),
    'ffc0000b080001000101011100',
    'ffc4001400' + '01' + '00'.repeat(15) + '00',
    'ffc4001410' + '01' + '00'.repeat(15) + '00',
    'ffda000801010000003f00',
    '3f',
    'ffd9',
  ].join('');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function bytesOf(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

test('the package exports both plugins, by name and as its default array', async () => {
  assert.deepEqual(plugins.map((p) => [p.name, p.port]), [['ocr-dev', 'ocr'], ['face-dev', 'face']]);
  assert.equal(plugins[0], ocrDev);
  assert.equal(plugins[1], faceDev);
  const o: OcrPort = await ocrDev.create({}, ctx);
  const f: FacePort = await faceDev.create({}, ctx);
  assert.equal(typeof o.readPlate, 'function');
  assert.equal(typeof f.compare, 'function');
});

test('CRC-32 is the one PNG uses', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new TextEncoder().encode('IEND')), 0xae426082);
});

test('solidPng builds a PNG whose chunks all pass their CRC', () => {
  const png = solidPng(4, 3, [200, 10, 10]);
  assert.deepEqual(pngChunks(png, { verifyAllCrcs: true }).map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
});

test('withPngText writes tEXt for Latin-1 and iTXt for Chinese, after IHDR, replacing the same keyword', () => {
  let png = withPngText(solidPng(2, 2), 'kuaichu-face', 'party-a');
  png = withPngText(png, 'kuaichu-plate', '苏A00000');
  png = withPngText(png, 'kuaichu-plate', '苏F3M9K1');
  const chunks = pngChunks(png, { verifyAllCrcs: true });
  assert.deepEqual(chunks.map((c) => c.type), ['IHDR', 'iTXt', 'tEXt', 'IDAT', 'IEND']);
  const { format, text } = readImageText(png);
  assert.equal(format, 'png');
  assert.deepEqual([...text], [['kuaichu-plate', '苏F3M9K1'], ['kuaichu-face', 'party-a']]);
  assert.throws(() => withPngText(png, '', 'x'), /invalid PNG text keyword/);
  assert.throws(() => withPngText(png, ' lead', 'x'), /invalid PNG text keyword/);
  assert.throws(() => withPngText(png, 'k'.repeat(80), 'x'), /invalid PNG text keyword/);
});

test('readImageText also reads zTXt and compressed iTXt chunks written by other tools', () => {
  const png = solidPng(1, 1);
  const chunk = (type: string, data: Uint8Array) => {
    const t = new TextEncoder().encode(type);
    const out = new Uint8Array(12 + data.length);
    new DataView(out.buffer).setUint32(0, data.length);
    out.set(t, 4);
    out.set(data, 8);
    new DataView(out.buffer).setUint32(8 + data.length, crc32(t, data));
    return out;
  };
  const enc = (s: string) => new TextEncoder().encode(s);
  const z = chunk('zTXt', Uint8Array.from([...enc('kuaichu-face'), 0, 0, ...deflateSync(enc('driver-b'))]));
  const i = chunk('iTXt', Uint8Array.from([...enc('kuaichu-plate'), 0, 1, 0, ...enc('zh'), 0, ...enc('号牌'), 0, ...deflateSync(enc('云A5U8M3'))]));
  const withBoth = Uint8Array.from([...png.subarray(0, 33), ...z, ...i, ...png.subarray(33)]);
  assert.deepEqual(Object.fromEntries(readImageText(withBoth).text), { 'kuaichu-face': 'driver-b', 'kuaichu-plate': '云A5U8M3' });
});

test('the PNG walker refuses a bad signature, a corrupted text chunk, a missing IEND and a chunk past the end', () => {
  const png = withPngText(solidPng(2, 2), 'kuaichu-plate', 'ABC');
  const badSig = png.slice();
  badSig[1] = 0x51;
  assert.throws(() => pngChunks(badSig), /not a PNG file/);
  const text = pngChunks(png).find((c) => c.type === 'tEXt')!;
  const corrupt = png.slice();
  corrupt[text.offset + 8 + 2]! ^= 0x01; // flip a bit in the keyword
  assert.throws(() => readImageText(corrupt), /CRC mismatch in tEXt chunk/);
  const noIend = png.subarray(0, png.length - 12);
  assert.throws(() => readImageText(noIend), /no IEND chunk/);
  const longChunk = png.slice();
  longChunk[text.offset + 1] = 0x7f; // declares ~8 MB
  assert.throws(() => readImageText(longChunk), /more than the file holds/);
  const noIhdr = Uint8Array.from([...png.subarray(0, 8), ...png.subarray(33)]);
  assert.throws(() => readImageText(noIhdr), /first chunk must be a 13-byte IHDR/);
});

test('the JPEG walker reads segments up to EOI, across the scan data, and withJpegText adds a COM after APP0', () => {
  const jpeg = tinyJpeg();
  assert.deepEqual(jpegSegments(jpeg).map((s) => s.marker.toString(16)), ['d8', 'e0', 'db', 'c0', 'c4', 'c4', 'da', 'd9']);
  const tagged = withJpegText(withJpegText(jpeg, 'kuaichu-plate', '苏A00000'), 'kuaichu-plate', '苏F3M9K1');
  assert.deepEqual(jpegSegments(tagged).map((s) => s.marker.toString(16)), ['d8', 'e0', 'fe', 'db', 'c0', 'c4', 'c4', 'da', 'd9']);
  assert.equal(readImageText(tagged).format, 'jpeg');
  assert.equal(readImageText(tagged).text.get('kuaichu-plate'), '苏F3M9K1');
  // a comment after a scan whose data holds a stuffed FF00 and a restart marker
  const afterScan = bytesOf(`ffd8 ffda000801010000003f00 12ff0034ffd056 fffe0013${Buffer.from('kuaichu-face=p-17').toString('hex')} ffd9`);
  assert.equal(readImageText(afterScan).text.get('kuaichu-face'), 'p-17');
});

test('the JPEG walker refuses truncated files and bad segment lengths', () => {
  const jpeg = withJpegText(tinyJpeg(), 'kuaichu-plate', '苏F3M9K1');
  assert.throws(() => readImageText(jpeg.subarray(0, jpeg.length - 2)), /no EOI marker/);
  assert.throws(() => readImageText(jpeg.subarray(0, 30)), /truncated JPEG/);
  const badLength = jpeg.slice();
  badLength[4] = 0xff; // APP0 declares 65 kB
  assert.throws(() => readImageText(badLength), /more than the file holds/);
  assert.throws(() => readImageText(bytesOf('ffd8ffe00001')), /truncated JPEG|declares 1 bytes/);
});

test('readPlate reads the plate a test camera wrote, in PNG or JPEG', async () => {
  const png = withPngText(solidPng(8, 8), 'kuaichu-plate', '苏F·3M9K1');
  assert.deepEqual(await ocr.readPlate({ tenant, image: png, contentType: 'image/png' }), { plate: '苏F3M9K1', confidence: 0.98 });
  const jpeg = withJpegText(tinyJpeg(), 'kuaichu-plate', '黑AD56789');
  assert.deepEqual(await ocr.readPlate({ tenant, image: jpeg, contentType: 'image/jpeg' }), { plate: '黑AD56789', confidence: 0.98 });
  const custom = createOcrDev({ confidence: 0.61 }, ctx);
  assert.equal((await custom.readPlate({ tenant, image: png, contentType: 'image/png' })).confidence, 0.61);
});

test('readPlate: no marker → no plate, confidence 0; text not shaped like a plate → low confidence', async () => {
  assert.deepEqual(await ocr.readPlate({ tenant, image: solidPng(8, 8), contentType: 'image/png' }), { plate: null, confidence: 0 });
  assert.deepEqual(await ocr.readPlate({ tenant, image: tinyJpeg(), contentType: 'image/jpeg' }), { plate: null, confidence: 0 });
  const face = withPngText(solidPng(8, 8), 'kuaichu-face', 'a');
  assert.deepEqual(await ocr.readPlate({ tenant, image: face, contentType: 'image/png' }), { plate: null, confidence: 0 });
  const odd = withPngText(solidPng(8, 8), 'kuaichu-plate', 'HELLO');
  assert.deepEqual(await ocr.readPlate({ tenant, image: odd, contentType: 'image/png' }), { plate: 'HELLO', confidence: 0.3 });
});

test('readPlate refuses non-images, other content types, oversized images and other tenants', async () => {
  const pdf = new TextEncoder().encode('%PDF-1.7 not an image');
  await assert.rejects(ocr.readPlate({ tenant, image: pdf, contentType: 'image/png' }), /ocr-dev: image: not a PNG or JPEG image \(starts with 25 50 44 46/);
  await assert.rejects(ocr.readPlate({ tenant, image: new Uint8Array(), contentType: 'image/png' }), /image is empty/);
  await assert.rejects(ocr.readPlate({ tenant, image: solidPng(2, 2), contentType: 'application/pdf' }), /unsupported content type "application\/pdf"/);
  const small = createOcrDev({ maxImageBytes: 1024 }, ctx);
  const big = new Uint8Array(2048);
  big.set(solidPng(1, 1));
  await assert.rejects(small.readPlate({ tenant, image: big, contentType: 'image/png' }), /2048 bytes, the limit is 1024/);
  await assert.rejects(ocr.readPlate({ tenant: 'harbin', image: solidPng(2, 2), contentType: 'image/png' }), /tenant "harbin" sent to the instance of tenant "nantong"/);
});

test('compare: the same label matches (0.97), another label does not (0.12), no label scores 0', async () => {
  const a1 = withPngText(solidPng(8, 8), 'kuaichu-face', 'driver-a');
  const a2 = withJpegText(tinyJpeg(), 'kuaichu-face', 'driver-a');
  const b = withPngText(solidPng(8, 8, [9, 9, 9]), 'kuaichu-face', 'driver-b');
  assert.deepEqual(await face.compare({ tenant, probe: a1, reference: a2 }), { match: true, score: 0.97 });
  assert.deepEqual(await face.compare({ tenant, probe: a1, reference: b }), { match: false, score: 0.12 });
  // No label is no face, on that side.
  assert.deepEqual(await face.compare({ tenant, probe: a1, reference: solidPng(8, 8) }), { match: false, score: 0, referenceFace: null });
  assert.deepEqual(await face.compare({ tenant, probe: tinyJpeg(), reference: tinyJpeg() }), { match: false, score: 0, probeFace: null, referenceFace: null });
  const plateOnly = withPngText(solidPng(8, 8), 'kuaichu-plate', '苏F3M9K1');
  assert.deepEqual(await face.compare({ tenant, probe: plateOnly, reference: plateOnly }), { match: false, score: 0, probeFace: null, referenceFace: null });
  // The checklist's threshold, when given, is the bar (and is reported).
  assert.deepEqual(await face.compare({ tenant, probe: a1, reference: a2, threshold: 0.99 }), { match: false, score: 0.97, threshold: 0.99 });
});

test('compare refuses non-image input, naming which image is wrong', async () => {
  const a = withPngText(solidPng(8, 8), 'kuaichu-face', 'driver-a');
  await assert.rejects(face.compare({ tenant, probe: new TextEncoder().encode('hello'), reference: a }), /face-dev: probe image: not a PNG or JPEG image/);
  const corrupt = a.slice();
  corrupt[45]! ^= 0xff; // inside the text chunk's data
  await assert.rejects(face.compare({ tenant, probe: a, reference: corrupt }), /face-dev: reference image: corrupt PNG/);
});
