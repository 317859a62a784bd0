/**
 * Just enough of the PNG and JPEG containers to read and write the text a test camera puts
 * in an image: PNG text chunks (tEXt, zTXt, iTXt) and JPEG comment (COM) segments. The
 * walkers check what a decoder checks before it trusts a file — the PNG signature, IHDR
 * first, chunk bounds, the CRC of IHDR and of every text chunk, IEND; JPEG SOI, segment
 * lengths, entropy-coded data after SOS, EOI — and throw an ImageFormatError otherwise.
 *
 * PNG text: tEXt is Latin-1 by the standard, so `withPngText` writes tEXt for Latin-1 values
 * and iTXt (UTF-8) for anything else, such as a plate 苏F3M9K1. When reading, a tEXt value that
 * is valid UTF-8 is taken as UTF-8 (some tools write it so), otherwise as Latin-1.
 * JPEG text: a COM segment holds `keyword=value` lines (UTF-8).
 */
import { deflateSync, inflateSync } from 'node:zlib';

export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
}

export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);

// ---------------------------------------------------------------- CRC-32 (ISO 3309, as PNG uses)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------- helpers

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function hexHead(b: Uint8Array): string {
  return [...b.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ') || 'nothing';
}
const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');
/** UTF-8 when the bytes are valid UTF-8, Latin-1 otherwise. */
function lenientText(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    return latin1.decode(b);
  }
}

/** Which container the bytes are, by their magic numbers; null for anything else. */
export function sniffImage(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

// ---------------------------------------------------------------- PNG

export interface PngChunk {
  type: string;
  data: Uint8Array;
  /** Offset of the chunk's length field. */
  offset: number;
}

/** Walks a PNG's chunks from the signature to IEND, checking bounds and CRCs. */
export function pngChunks(png: Uint8Array, opts: { verifyAllCrcs?: boolean } = {}): PngChunk[] {
  if (sniffImage(png) !== 'png') throw new ImageFormatError(`not a PNG file (starts with ${hexHead(png)})`);
  const chunks: PngChunk[] = [];
  let at = 8;
  for (;;) {
    if (at + 12 > png.length) throw new ImageFormatError(`truncated PNG: chunk header at byte ${at} runs past the end${chunks.length ? '' : ' (no IHDR)'} — no IEND chunk`);
    const length = u32(png, at);
    const typeBytes = png.subarray(at + 4, at + 8);
    const type = String.fromCharCode(...typeBytes);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new ImageFormatError(`corrupt PNG: bad chunk type at byte ${at + 4}`);
    if (length > 0x7fffffff || at + 12 + length > png.length) throw new ImageFormatError(`truncated PNG: chunk ${type} at byte ${at} declares ${length} bytes, more than the file holds`);
    const data = png.subarray(at + 8, at + 8 + length);
    if (chunks.length === 0 && (type !== 'IHDR' || length !== 13)) throw new ImageFormatError('corrupt PNG: the first chunk must be a 13-byte IHDR');
    if (opts.verifyAllCrcs || type === 'IHDR' || TEXT_CHUNKS.has(type)) {
      const stored = u32(png, at + 8 + length);
      if (crc32(typeBytes, data) !== stored) throw new ImageFormatError(`corrupt PNG: CRC mismatch in ${type} chunk at byte ${at}`);
    }
    chunks.push({ type, data, offset: at });
    at += 12 + length;
    if (type === 'IEND') return chunks;
  }
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  putU32(out, 0, data.length);
  const typeBytes = new TextEncoder().encode(type);
  out.set(typeBytes, 4);
  out.set(data, 8);
  putU32(out, 8 + data.length, crc32(typeBytes, data));
  return out;
}

/** Decodes one text chunk into [keyword, value]. */
function pngTextOf(chunk: PngChunk): [string, string] {
  const d = chunk.data;
  const nul = d.indexOf(0);
  if (nul < 1 || nul > 79) throw new ImageFormatError(`corrupt PNG: ${chunk.type} chunk at byte ${chunk.offset} has no valid keyword`);
  const keyword = latin1.decode(d.subarray(0, nul));
  const rest = d.subarray(nul + 1);
  const inflate = (b: Uint8Array): Uint8Array => {
    try {
      return inflateSync(b);
    } catch (e) {
      throw new ImageFormatError(`corrupt PNG: compressed ${chunk.type} "${keyword}" does not inflate (${(e as Error).message})`);
    }
  };
  if (chunk.type === 'tEXt') return [keyword, lenientText(rest)];
  if (chunk.type === 'zTXt') {
    if (rest[0] !== 0) throw new ImageFormatError(`corrupt PNG: zTXt "${keyword}" uses unknown compression method ${rest[0]}`);
    return [keyword, lenientText(inflate(rest.subarray(1)))];
  }
  // iTXt: compression flag, method, language tag\0, translated keyword\0, text
  const flag = rest[0];
  const method = rest[1];
  const langEnd = rest.indexOf(0, 2);
  const transEnd = langEnd < 0 ? -1 : rest.indexOf(0, langEnd + 1);
  if (flag === undefined || transEnd < 0 || (flag !== 0 && flag !== 1) || (flag === 1 && method !== 0)) {
    throw new ImageFormatError(`corrupt PNG: malformed iTXt "${keyword}" at byte ${chunk.offset}`);
  }
  const text = rest.subarray(transEnd + 1);
  try {
    return [keyword, utf8.decode(flag === 1 ? inflate(text) : text)];
  } catch (e) {
    if (e instanceof ImageFormatError) throw e;
    throw new ImageFormatError(`corrupt PNG: iTXt "${keyword}" is not UTF-8`);
  }
}

function checkKeyword(keyword: string): void {
  if (keyword.length < 1 || keyword.length > 79 || !/^[\x20-\x7e\xa1-\xff]+$/.test(keyword) || /^ | $| {2}/.test(keyword)) {
    throw new RangeError(`invalid PNG text keyword "${keyword}" (1–79 printable Latin-1 characters, no leading, trailing or double spaces)`);
  }
}

/**
 * A copy of `png` carrying `keyword` = `value` in a text chunk right after IHDR (tEXt when the
 * value is Latin-1, iTXt otherwise); earlier text chunks with that keyword are dropped.
 */
export function withPngText(png: Uint8Array, keyword: string, value: string): Uint8Array {
  checkKeyword(keyword);
  const chunks = pngChunks(png);
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  const key = new Uint8Array([...keyword].map((c) => c.charCodeAt(0)));
  const isLatin1 = /^[^\u0000\u0100-\uffff]*$/.test(value);
  const chunk = isLatin1
    ? pngChunk('tEXt', concat([key, Uint8Array.of(0), new Uint8Array([...value].map((c) => c.charCodeAt(0)))]))
    : pngChunk('iTXt', concat([key, Uint8Array.of(0, 0, 0, 0, 0), new TextEncoder().encode(value)]));
  for (const c of chunks) {
    if (TEXT_CHUNKS.has(c.type) && pngTextOf(c)[0] === keyword) continue;
    parts.push(png.subarray(c.offset, c.offset + 12 + c.data.length));
    if (c.type === 'IHDR') parts.push(chunk);
  }
  return concat(parts);
}

/** A valid RGB PNG of one colour (for tests and the test camera). */
export function solidPng(width: number, height: number, rgb: readonly [number, number, number] = [128, 128, 128]): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 16_000_000) throw new RangeError(`bad PNG size ${width}×${height}`);
  const ihdr = new Uint8Array(13);
  putU32(ihdr, 0, width);
  putU32(ihdr, 4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filtering, no interlace
  const row = new Uint8Array(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = new Uint8Array(row.length * height);
  for (let y = 0; y < height; y++) raw.set(row, y * row.length);
  return concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array())]);
}

// ---------------------------------------------------------------- JPEG

export interface JpegSegment {
  marker: number;
  /** Payload without the marker and the length field (empty for standalone markers). */
  data: Uint8Array;
  /** Offset of the 0xFF of the marker. */
  offset: number;
  /** Bytes of marker, length field and payload. */
  size: number;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const isStandalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

/** Walks a JPEG's segments from SOI to EOI, skipping the entropy-coded data after each SOS. */
export function jpegSegments(jpeg: Uint8Array): JpegSegment[] {
  if (sniffImage(jpeg) !== 'jpeg') throw new ImageFormatError(`not a JPEG file (starts with ${hexHead(jpeg)})`);
  const segments: JpegSegment[] = [{ marker: SOI, data: new Uint8Array(), offset: 0, size: 2 }];
  let at = 2;
  for (;;) {
    if (at >= jpeg.length) throw new ImageFormatError('truncated JPEG: no EOI marker');
    if (jpeg[at] !== 0xff) throw new ImageFormatError(`corrupt JPEG: expected a marker at byte ${at}, found 0x${jpeg[at]!.toString(16)}`);
    let m = at + 1;
    while (jpeg[m] === 0xff) m++; // fill bytes
    if (m >= jpeg.length) throw new ImageFormatError('truncated JPEG: no EOI marker');
    const marker = jpeg[m]!;
    const start = m - 1;
    if (marker === 0x00 || marker === SOI) throw new ImageFormatError(`corrupt JPEG: unexpected marker 0xFF${marker.toString(16).padStart(2, '0')} at byte ${start}`);
    if (marker === EOI) {
      segments.push({ marker, data: new Uint8Array(), offset: start, size: 2 });
      return segments;
    }
    if (isStandalone(marker)) {
      segments.push({ marker, data: new Uint8Array(), offset: start, size: 2 });
      at = m + 1;
      continue;
    }
    if (m + 2 >= jpeg.length) throw new ImageFormatError(`truncated JPEG: segment 0xFF${marker.toString(16)} at byte ${start} has no length`);
    const length = (jpeg[m + 1]! << 8) | jpeg[m + 2]!;
    if (length < 2 || m + 1 + length > jpeg.length) throw new ImageFormatError(`truncated JPEG: segment 0xFF${marker.toString(16)} at byte ${start} declares ${length} bytes, more than the file holds`);
    segments.push({ marker, data: jpeg.subarray(m + 3, m + 1 + length), offset: start, size: m + 1 + length - start });
    at = m + 1 + length;
    if (marker === SOS) {
      // Entropy-coded data: ends at the first 0xFF that is neither a stuffed 0xFF00 nor a restart marker.
      while (at < jpeg.length) {
        if (jpeg[at] === 0xff) {
          const next = jpeg[at + 1];
          if (next === undefined) break;
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at += 2;
          else if (next === 0xff) at += 1;
          else break;
        } else at++;
      }
    }
  }
}

/** The `keyword=value` lines of a JPEG's COM segments. */
function jpegTexts(jpeg: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of jpegSegments(jpeg)) {
    if (s.marker !== COM) continue;
    for (const line of lenientText(s.data).split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq < 1) continue;
      const key = line.slice(0, eq).trim();
      if (!out.has(key)) out.set(key, line.slice(eq + 1).replace(/\0+$/, '').trim());
    }
  }
  return out;
}

/**
 * A copy of `jpeg` with a COM segment `keyword=value` after the leading APPn segments (JFIF
 * and Exif stay first); earlier COM segments for that keyword are dropped.
 */
export function withJpegText(jpeg: Uint8Array, keyword: string, value: string): Uint8Array {
  if (!/^[\x21-\x3c\x3e-\x7e]+$/.test(keyword)) throw new RangeError(`invalid JPEG comment keyword "${keyword}"`);
  if (/[\r\n]/.test(value)) throw new RangeError('a JPEG comment value cannot contain line breaks');
  const payload = new TextEncoder().encode(`${keyword}=${value}`);
  if (payload.length > 0xfffd) throw new RangeError('JPEG comment too long (at most 65533 bytes)');
  const com = new Uint8Array(4 + payload.length);
  com.set([0xff, COM, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  com.set(payload, 4);
  const segments = jpegSegments(jpeg);
  let insertAt = 2;
  for (const s of segments.slice(1)) {
    if (s.marker >= 0xe0 && s.marker <= 0xef) insertAt = s.offset + s.size;
    else break;
  }
  const keep: Uint8Array[] = [jpeg.subarray(0, insertAt), com];
  let at = insertAt;
  for (const s of segments) {
    if (s.offset < insertAt || s.marker !== COM) continue;
    const lines = lenientText(s.data).split(/\r?\n/);
    if (!lines.some((l) => l.indexOf('=') > 0 && l.slice(0, l.indexOf('=')).trim() === keyword)) continue;
    keep.push(jpeg.subarray(at, s.offset));
    at = s.offset + s.size;
  }
  keep.push(jpeg.subarray(at));
  return concat(keep);
}

// ---------------------------------------------------------------- both

/** The text an image carries: PNG text chunks or JPEG comment lines (first value per keyword). */
export function readImageText(bytes: Uint8Array): { format: ImageFormat; text: Map<string, string> } {
  const format = sniffImage(bytes);
  if (format === 'jpeg') return { format, text: jpegTexts(bytes) };
  if (format === 'png') {
    const text = new Map<string, string>();
    for (const c of pngChunks(bytes)) {
      if (!TEXT_CHUNKS.has(c.type)) continue;
      const [k, v] = pngTextOf(c);
      if (!text.has(k)) text.set(k, v);
    }
    return { format, text };
  }
  throw new ImageFormatError(`not a PNG or JPEG image (starts with ${hexHead(bytes)})`);
}
