/**
 * Where a file's own structure says it ends. A decoder stops at the end of the image or the
 * container and ignores what follows, so "a valid PNG, then an HTML page" decodes fine: these
 * checks refuse bytes after the end (a polyglot) and structures that run past the file.
 * Each answers true when the file ends exactly where its format says, or where it cannot say.
 * JPEG: cameras append data after EOI (motion photos, maker trailers), so jpegTrailerInert lets
 * those through by their structure and refuses anything else after EOI (an archive, a page).
 */

/** PNG: chunks (length, type, data, CRC) from byte 8 tile the file, and the last is IEND. */
export function pngChunksTile(b: Uint8Array): boolean {
  let off = 8;
  let last = '';
  while (off < b.length) {
    if (off + 12 > b.length) return false;
    const len = u32(b, off);
    last = ascii(b, off + 4, off + 8);
    off += 12 + len;
  }
  return off === b.length && last === 'IEND';
}

/** WebP: the RIFF size field counts the rest of the file (padded to even). */
export function riffSizeMatches(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const size = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
  return size + 8 === b.length || size + 9 === b.length;
}

/** MP4/ISO BMFF: top-level boxes tile the file, and one of them is the movie header (moov). */
export function mp4BoxesTile(b: Uint8Array): boolean {
  let off = 0;
  let moov = false;
  while (off < b.length) {
    if (off + 8 > b.length) return false;
    let size = u32(b, off);
    let header = 8;
    if (size === 1) {
      if (off + 16 > b.length) return false;
      size = u32(b, off + 8) * 2 ** 32 + u32(b, off + 12);
      header = 16;
    } else if (size === 0) size = b.length - off; // "to the end of the file"
    if (size < header || off + size > b.length) return false;
    if (ascii(b, off + 4, off + 8) === 'moov') moov = true;
    off += size;
  }
  return moov;
}

/** JPEG: the offset just after its EOI marker, walking the marker segments and the entropy-coded data; -1 if it never ends. */
export function jpegEnd(b: Uint8Array): number {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return -1;
  let off = 2;
  while (off + 1 < b.length) {
    if (b[off] !== 0xff) return -1;
    const m = b[off + 1]!;
    if (m === 0xff) { off += 1; continue; } // fill byte before a marker
    if (m === 0xd9) return off + 2; // EOI
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { off += 2; continue; } // TEM, RSTn: no length
    if (off + 4 > b.length) return -1;
    const len = (b[off + 2]! << 8) | b[off + 3]!;
    if (len < 2) return -1;
    off += 2 + len;
    if (m !== 0xda) continue;
    // After SOS, entropy-coded data up to the next marker (FF 00 is a stuffed byte, FF Dn a restart).
    for (;;) {
      off = b.indexOf(0xff, off);
      if (off < 0 || off + 1 >= b.length) return -1;
      const n = b[off + 1]!;
      if (n === 0x00 || (n >= 0xd0 && n <= 0xd7)) off += 2;
      else if (n === 0xff) off += 1;
      else break;
    }
  }
  return -1;
}

/**
 * JPEG: what follows EOI is nothing, padding (zeros or 0xFF), a motion photo's MP4 (Google/Xiaomi/
 * Huawei: ISO BMFF boxes tiling the rest), or Samsung's SEF trailer (…SEFH … length "SEFT").
 * Anything else after the image (a ZIP, an HTML page, a PDF) makes the file a polyglot: false.
 */
export function jpegTrailerInert(b: Uint8Array): boolean {
  const end = jpegEnd(b);
  if (end < 0) return false;
  const rest = b.subarray(end);
  if (rest.every((x) => x === 0 || x === 0xff)) return true;
  if (rest.length >= 8 && ascii(rest, 4, 8) === 'ftyp' && mp4BoxesTile(rest)) return true;
  if (rest.length >= 12 && ascii(rest, rest.length - 4, rest.length) === 'SEFT') {
    const dirLength = (rest[rest.length - 8]! | (rest[rest.length - 7]! << 8) | (rest[rest.length - 6]! << 16) | (rest[rest.length - 5]! << 24)) >>> 0;
    const dir = rest.length - 8 - dirLength;
    return dir >= 0 && ascii(rest, dir, dir + 4) === 'SEFH';
  }
  return false;
}

/**
 * WebM (EBML): the EBML header, then one Segment; when the Segment's size is known, it ends at
 * the end of the file. A live recording (MediaRecorder) writes an unknown size: nothing to compare.
 */
export function webmSegmentEnds(b: Uint8Array): boolean {
  const header = element(b, 0);
  if (!header || header.id !== 0x1a45dfa3 || header.size === null) return false;
  const segment = element(b, header.dataStart + header.size);
  if (!segment || segment.id !== 0x18538067) return false;
  return segment.size === null || segment.dataStart + segment.size === b.length;
}

/** One EBML element's ID, data size (null: unknown) and where its data starts. */
function element(b: Uint8Array, at: number): { id: number; size: number | null; dataStart: number } | null {
  const id = vint(b, at, true);
  if (!id) return null;
  const size = vint(b, at + id.length, false);
  if (!size) return null;
  return { id: id.value!, size: size.value, dataStart: at + id.length + size.length };
}

/** An EBML variable-length integer: the ID keeps its marker bit; a size of all ones is "unknown". */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number | null; length: number } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23; // 1..8
  if (at + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value: !keepMarker && allOnes ? null : value, length };
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}
