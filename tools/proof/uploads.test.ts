/**
 * Issue 16, hostile uploads: a decompression bomb (PNG and JPEG whose headers unpack to gigapixels),
 * a 100 MB upload streamed in, a wrong type under an image's name and MIME type, a truncated JPEG
 * and polyglots (a whole JPEG followed by a ZIP archive or an HTML page) — on the seat's evidence
 * upload (Harbin) and the party's photo-path shot check (Kunming). Each is refused with its KC_*
 * code; the guarded tables and the file store are the same afterwards (nothing written); the
 * process's resident memory stays well under the 100 MB that was sent (the server never holds an
 * upload past its limit, nor a bomb's pixels). A motion photo (a JPEG with its MP4 after EOI, as
 * phones write them) is still taken.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { crc32, createDeflate } from 'node:zlib';
import sharp from 'sharp';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, reported, seatReady } from '@kuaichu/testkit/cases';
import { tinyWebm } from '@kuaichu/testkit/media';
import { fingerprinter, type Fingerprinter } from './fingerprint.ts';

let t: TestCore;
let fp: Fingerprinter;
let caseId: string;
let seat: string;
let party: string;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
  seat = await seatReady(t);
  const r = await reported(t, '13900001601');
  caseId = r.id;
  await answer(t, caseId, seat);
  party = await t.party('kunming', '13900001602');
  fp = await fingerprinter(t);
});
after(() => t?.close());

const evidence = (bytes: Uint8Array, name = 'photo.jpg', type = 'image/jpeg') => {
  const form = multipart({ item: 'parties_photo' }, { name, bytes, type });
  return t.call('POST', `/api/cases/${caseId}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
};
const shotCheck = (bytes: Uint8Array, name = 'photo.jpg', type = 'image/jpeg') => {
  const form = multipart({}, { name, bytes, type });
  return t.call('POST', '/api/photo-path/shots/side_front/check', { token: party, body: form.body, headers: form.headers });
};

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A well-formed 1-bit grayscale PNG of side × side pixels, all black: a few tens of kB that unpack to side² pixels. */
async function pngBomb(side: number): Promise<Uint8Array> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((r) => deflate.on('end', r));
  const row = Buffer.alloc(1 + Math.ceil(side / 8)); // filter byte 0, then zeros
  for (let y = 0; y < side; y++) if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  deflate.end();
  await done;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(out)), chunk('IEND', new Uint8Array())]);
}

/** A real small JPEG whose frame header (SOF) claims width × height. */
function claimingSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const b = Buffer.from(jpeg);
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(height, i + 5);
      b.writeUInt16BE(width, i + 7);
      return b;
    }
  }
  throw new Error('no SOF in the JPEG');
}

/** A minimal ZIP archive (one stored file), as a JPEG+ZIP polyglot carries after EOI. */
function zip(): Buffer {
  const name = Buffer.from('a.html');
  const data = Buffer.from('<script>alert(1)</script>');
  const crc = crc32(data) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(10, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** A photo with detail in it (noise), so that it is not refused as blank or small by the shot check. */
async function photo(): Promise<Uint8Array> {
  const noise = Buffer.alloc(640 * 480 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  return new Uint8Array(await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } }).jpeg().toBuffer());
}

/** The resident set's peak while `work` runs (sampled every 10 ms), above what it was before. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthMb: (peak - base) / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

/** 100 MB of multipart body, made as it is read (the test holds none of it). */
function hugeUpload(mb: number): { body: Readable; headers: Record<string, string> } {
  const boundary = '----kuaichu16huge';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="item"\r\n\r\nparties_photo\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const block = Buffer.alloc(1024 * 1024, 0x5a);
  block[0] = 0xff;
  block[1] = 0xd8;
  let sent = -1;
  const body = new Readable({
    read() {
      if (sent === -1) this.push(head);
      else if (sent < mb) this.push(block);
      else if (sent === mb) this.push(Buffer.from(`\r\n--${boundary}--\r\n`));
      else this.push(null);
      sent++;
    },
  });
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

test('decompression bombs, 100 MB, a wrong type, a truncated JPEG and polyglots are refused with their codes; nothing written; memory bounded', async (ctx) => {
  const good = await photo();
  const bombPng = await pngBomb(40_000); // 1.6 gigapixels from ~200 kB
  assert.ok(bombPng.length < 1024 * 1024, `the bomb is small (${bombPng.length} bytes)`);
  const bombJpeg = claimingSize(good, 60_000, 60_000); // 3.6 gigapixels claimed by 30 kB
  const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const truncated = good.subarray(0, Math.floor(good.length * 0.7));
  const jpegZip = Buffer.concat([good, zip()]);
  const jpegHtml = Buffer.concat([good, Buffer.from('<!doctype html><script>fetch("/api/cases")</script>')]);
  const webmHtml = Buffer.concat([tinyWebm(16), Buffer.from('<html><script>1</script>')]);

  const before = await fp.settle();
  const { result: answers, growthMb } = await peakRssGrowth(async () => {
    const a: Array<{ what: string; status: number; code: string }> = [];
    const add = async (what: string, r: Awaited<ReturnType<typeof evidence>>) => a.push({ what, status: r.statusCode, code: r.json().error?.code });
    await add('evidence: PNG bomb (1.6 Gpx)', await evidence(bombPng, 'bomb.png', 'image/png'));
    await add('evidence: JPEG claiming 3.6 Gpx', await evidence(bombJpeg));
    await add('evidence: GIF named photo.jpg, image/jpeg', await evidence(gif));
    await add('evidence: PDF named photo.jpg, image/jpeg', await evidence(pdf));
    await add('evidence: truncated JPEG', await evidence(truncated));
    await add('evidence: JPEG + ZIP polyglot', await evidence(jpegZip));
    await add('evidence: JPEG + HTML polyglot', await evidence(jpegHtml));
    await add('evidence: WebM + HTML polyglot', await evidence(webmHtml, 'clip.webm', 'video/webm'));
    const huge = hugeUpload(100);
    await add('evidence: 100 MB', await t.call('POST', `/api/cases/${caseId}/evidence/file`, { token: seat, body: huge.body, headers: huge.headers }));
    await add('shot check: PNG bomb', await shotCheck(bombPng, 'bomb.png', 'image/png'));
    await add('shot check: JPEG claiming 3.6 Gpx', await shotCheck(bombJpeg));
    await add('shot check: GIF as image/jpeg', await shotCheck(gif));
    await add('shot check: truncated JPEG', await shotCheck(truncated));
    await add('shot check: JPEG + ZIP polyglot', await shotCheck(jpegZip));
    const huge2 = hugeUpload(100);
    await add('shot check: 100 MB', await t.call('POST', '/api/photo-path/shots/side_front/check', { token: party, body: huge2.body, headers: huge2.headers }));
    return a;
  });
  const expected: Record<string, [number, string]> = {
    evidence: [415, 'KC_FILE_TYPE'],
    shot: [415, 'KC_PHOTO_UNREADABLE'],
  };
  for (const a of answers) {
    const [status, code] = a.what.endsWith('100 MB') ? [413, 'KC_FILE_TOO_LARGE'] : expected[a.what.split(' ')[0]!.replace(':', '')]!;
    assert.deepEqual({ what: a.what, status: a.status, code: a.code }, { what: a.what, status, code }, a.what);
  }
  assert.deepEqual(fp.diff(before, await fp.settle()), [], 'nothing written: tables and file store unchanged');
  ctx.diagnostic(`${answers.length} hostile uploads refused; resident memory peak +${growthMb.toFixed(1)} MB`);
  assert.ok(growthMb < 80, `resident memory grew by ${growthMb.toFixed(0)} MB while 100 MB uploads and gigapixel bombs were refused`);

  // The same photo without a trailer, and as a motion photo (its MP4 after EOI), is taken.
  const motion = Buffer.concat([good, Buffer.from([0, 0, 0, 16]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from([0, 0, 0, 8]), Buffer.from('moov')]);
  for (const bytes of [good, motion]) {
    const r = await evidence(bytes);
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().contentType, 'image/jpeg');
  }
  const ok = await shotCheck(good);
  assert.equal(ok.statusCode, 200, ok.body);
});

