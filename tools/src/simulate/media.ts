/**
 * The photos and clips a simulated seat takes from the video: tiny real files (the upload
 * route types files by their bytes). The plate photo carries the plate as a PNG text chunk
 * `kuaichu-plate`, which is what the development OCR driver reads instead of pixels. Photos
 * without a plate are the same bytes every time, so the content-addressed store keeps one.
 */
import { deflateSync } from 'node:zlib';
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
