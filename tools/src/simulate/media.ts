/**
 * The photos and clips a simulated seat takes from the video: tiny real files (the upload
 * route types files by their bytes). The plate photo shows the plate (drawn as the OCR bench
 * draws them), so a city on the real OCR (ocr-paddle) reads it off the pixels, and carries it
 * as a JPEG comment `kuaichu-plate=…` too, which is what the development OCR driver reads
 * instead. Photos without a plate are the same bytes every time, so the content-addressed
 * store keeps one.
 */
import { deflateSync } from 'node:zlib';
import { renderPlatePhoto, seeded } from '@kuaichu/plugin-recognition-paddle/render';
import { pngChunk as chunk, tinyWebm } from '@kuaichu/testkit/media';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A 4×4 grey PNG, with a UTF-8 text chunk (iTXt) when `text` is given. */
export function png(text?: { keyword: string; value: string }, shade = 128): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(4, 0);
  ihdr.writeUInt32BE(4, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.concat(Array.from({ length: 4 }, () => Buffer.from([0, shade, shade, shade, shade])));
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr)];
  // iTXt: keyword, 0, compression flag 0, method 0, language "", 0, translated keyword "", 0, UTF-8 text.
  if (text) parts.push(chunk('iTXt', Buffer.concat([Buffer.from(text.keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text.value, 'utf8')])));
  parts.push(chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** A real one-frame WebM clip (the upload route decodes what it stores), the same bytes every time. */
export const WEBM = tinyWebm();

export const PLATE_KEYWORD = 'kuaichu-plate';

const platePhotos = new Map<string, Promise<Uint8Array>>();

/**
 * A JPEG photo of `plate` (seen nearly head-on, a little noise), with the plate in a COM segment
 * after the start of image for the development driver. The same plate gives the same bytes.
 */
export function plateJpeg(plate: string): Promise<Uint8Array> {
  let photo = platePhotos.get(plate);
  if (!photo) {
    const seed = [...plate].reduce((h, c) => (Math.imul(h, 31) + c.codePointAt(0)!) >>> 0, 7);
    photo = renderPlatePhoto(plate, [...plate].length === 8 ? 'green' : 'blue', seeded(seed), { perspective: 0.03, blur: 0, noise: 4, quality: 85 }).then((jpeg) => {
      const text = Buffer.from(`${PLATE_KEYWORD}=${plate}`, 'utf8');
      const com = Buffer.from([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff]);
      return Buffer.concat([jpeg.subarray(0, 2), com, text, jpeg.subarray(2)]);
    });
    platePhotos.set(plate, photo);
  }
  return photo;
}
