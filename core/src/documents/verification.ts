/**
 * Public verification of issued documents. Each document carries a short code (printed and in
 * the QR code) that `GET /verify/:code` looks up. The code is an HMAC, under a server secret,
 * of the document number and the SHA-256 of its content, so:
 *  - it cannot be guessed or enumerated (80 bits, keyed);
 *  - recomputing it from the stored record proves the record is the one issued: changing the
 *    content changes the digest, and only the server can make a matching code.
 *
 * The digest is over the document's *content* (canonical JSON of the fields, not the PDF
 * bytes), because the PDF itself prints the code: hashing the PDF would be circular. The same
 * content always renders the same PDF (see determinationPdf.ts), so the PDF can be re-rendered
 * from the verified content when someone asks for it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { DeterminationDocument } from './determinationDocument.ts';

/** Length of a code: 16 base32 characters = 80 bits. */
export const DOCUMENT_CODE_LENGTH = 16;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Versioned domain separator: a code for one purpose cannot be replayed for another. */
const CODE_CONTEXT = 'kuaichu.document-code.v1';
const CONTENT_CONTEXT = 'kuaichu.determination-content.v1';

export type Secret = string | Uint8Array;

/**
 * The verification code of a document: base32 (RFC 4648 alphabet, no padding) of
 * HMAC-SHA256(secret, context ‖ number ‖ contentSha256), truncated to 16 characters.
 * Fields are newline-separated so ("AB", "C…") and ("A", "BC…") cannot collide.
 */
export function documentCode(number: string, contentSha256: string, secret: Secret): string {
  if (!number) throw new RangeError('documentCode: empty document number');
  const digest = contentSha256.toLowerCase();
  if (!SHA256_HEX.test(digest)) throw new RangeError(`documentCode: not a hex SHA-256: ${contentSha256}`);
  if (secret.length < 16) throw new RangeError('documentCode: the secret must be at least 16 bytes');
  const mac = createHmac('sha256', secret).update(`${CODE_CONTEXT}\n${number}\n${digest}`, 'utf8').digest();
  return base32(mac).slice(0, DOCUMENT_CODE_LENGTH);
}

/**
 * A code as typed or scanned, in canonical form: upper case, separators and spaces dropped,
 * and the digits people type for look-alike letters mapped back (0→O, 1→I, 8→B). Null when
 * it cannot be a code, so the route answers 404 without a lookup.
 */
export function normalizeCode(input: string): string | null {
  const s = input
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/0/g, 'O')
    .replace(/1/g, 'I')
    .replace(/8/g, 'B');
  if (s.length !== DOCUMENT_CODE_LENGTH) return null;
  for (const ch of s) if (!BASE32.includes(ch)) return null;
  return s;
}

/** For print: groups of four, `ABCD-EFGH-IJKL-MNOP`. normalizeCode reads it back. */
export function formatCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/** The public URL printed under the QR code. */
export function verificationUrl(baseUrl: string, code: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/verify/${code}`;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'malformed_code' | 'altered_or_foreign' };

/**
 * The check behind `GET /verify/:code`: after looking the record up by code, recompute the
 * code from its number and content digest. A mismatch means the stored content changed since
 * issue (or the record was not issued under this secret). Constant-time comparison.
 */
export function verifyDocumentCode(
  code: string,
  record: { number: string; contentSha256: string },
  secret: Secret,
): VerifyResult {
  const given = normalizeCode(code);
  if (!given) return { ok: false, reason: 'malformed_code' };
  const expected = documentCode(record.number, record.contentSha256, secret);
  const same = timingSafeEqual(Buffer.from(given, 'ascii'), Buffer.from(expected, 'ascii'));
  return same ? { ok: true } : { ok: false, reason: 'altered_or_foreign' };
}

/** The determination's content, minus its own verification data, the input to the code. */
export type DeterminationContent = Omit<DeterminationDocument, 'verification'>;

/**
 * SHA-256 (hex) of the determination's canonical content: JSON with keys sorted at every
 * level, dates as ISO-8601 UTC, undefined fields dropped. The `verification` field (URL and
 * code, derived from this digest) is excluded, so a full document can be passed.
 */
export function determinationContentSha256(doc: DeterminationContent | DeterminationDocument): string {
  const { verification: _ignored, ...content } = doc as DeterminationDocument;
  return createHash('sha256').update(`${CONTENT_CONTEXT}\n${canonicalJson(content)}`, 'utf8').digest('hex');
}

/** Deterministic JSON: sorted keys, Dates as ISO strings, undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError('canonicalJson: invalid Date');
    return JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('canonicalJson: non-finite number');
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
    throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
  return JSON.stringify(value);
}

/** Base32 (RFC 4648 alphabet, no padding): the alphabet every code here uses (normalizeCode reads it back). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}
