/**
 * Real, tiny media for tests that upload evidence: the upload route decodes every file
 * (core/src/files/decode.ts), so a few magic bytes no longer pass for a clip or a photo.
 */
import { crc32, deflateSync } from 'node:zlib';

/**
 * One 16×16 grey VP8 frame in WebM (488 bytes), made once with
 * `ffmpeg -f lavfi -i color=c=gray:s=16x16:r=1 -frames:v 1 -c:v libvpx -fflags +bitexact -flags +bitexact -metadata title=kuaichu-clip-0000 -f webm`.
 */
const WEBM_BASE64 = 'GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQJChYECGFOAZwEAAAAAAAG4EU2bdLpNu4tTq4QVSalmU6yBoU27i1OrhBZUrmtTrIHaTbuMU6uEElTDZ1OsggEgTbuMU6uEHFO7a1OsggGi7AEAAAAAAABZAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVSalmtCrXsYMPQkB7qZFrdWFpY2h1LWNsaXAtMDAwME2AhExhdmZXQYRMYXZmRImIQI9AAAAAAAAWVK5rwa4BAAAAAAAAONeBAXPFiAAAAAAAAAABnIEAIrWcg3VuZIiBAIaFVl9WUDiDgQEj44OEO5rKAOCJsIEQuoEQmoECElTDZ9Fzc85jwItjxYgAAAAAAAAAAWfImEWjh0VOQ09ERVJEh4tMYXZjIGxpYnZweGfIokWjiERVUkFUSU9ORIeUMDA6MDA6MDEuMDAwMDAwMDAwAAAfQ7Z1p+eBAKOigQAAgBACAJ0BKhAAEAAARwiFhYiZhIgCAgAMDWAA/sPgABxTu2uRu4+zgQC3iveBAfGCAXbwgQM=';
const TITLE = 'kuaichu-clip-0000';

/** A real WebM clip; `n` (0–9999) changes its title, so clips differ in bytes (and hash) but not in size. */
export function tinyWebm(n = 0): Uint8Array {
  const bytes = Buffer.from(WEBM_BASE64, 'base64');
  const at = bytes.indexOf(TITLE, 0, 'latin1');
  bytes.write(`kuaichu-clip-${String(n % 10000).padStart(4, '0')}`, at, 'latin1');
  return new Uint8Array(bytes);
}

/** A real w×h PNG of one colour (truecolour, 8 bits), e.g. for a test outside core that cannot draw one. */
export function tinyPng(width = 4, height = 4, rgb: readonly [number, number, number] = [128, 128, 128]): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]));
}

/** One PNG chunk: length, type, data and its CRC-32. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}
