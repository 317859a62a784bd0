/**
 * The injury direct-pay (人伤直赔) QR code: what the officer hands the injured party and the
 * hospital scans. Like a document's verification code (documents/verification.ts) it is 16
 * base32 characters of an HMAC under the server's secret — 80 bits, keyed, so it cannot be
 * guessed — but over the voucher itself: tenant, voucher id, case id and expiry, under its own
 * context string, so a code made for one purpose is no code for another. The stored row is
 * checked against the code again at every scan (recomputed, constant time): a row whose case,
 * tenant or expiry changed no longer matches its code.
 *
 * Single use and expiry are the row's: the first hospital to record a scan takes it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32, DOCUMENT_CODE_LENGTH, normalizeCode, type Secret } from '../documents/verification.ts';

const CONTEXT = 'kuaichu.direct-pay-code.v1';
/** How long a code can be scanned after it was issued (the party goes to hospital the same day or the next). */
export const DIRECT_PAY_CODE_HOURS = 48;

export interface VoucherFields {
  tenant: string;
  id: string;
  caseId: string;
  expiresAt: Date;
}

export function directPayCode(v: VoucherFields, secret: Secret): string {
  if (secret.length < 16) throw new RangeError('directPayCode: the secret must be at least 16 bytes');
  const mac = createHmac('sha256', secret).update(`${CONTEXT}\n${v.tenant}\n${v.id}\n${v.caseId}\n${v.expiresAt.toISOString()}`, 'utf8').digest();
  return base32(mac).slice(0, DOCUMENT_CODE_LENGTH);
}

/** A typed or scanned code in canonical form, or null (then 404 without a lookup). Same reading as documents' codes. */
export const normalizeDirectPayCode = normalizeCode;

/** Whether the stored voucher is the one the code was issued for. */
export function codeMatches(code: string, v: VoucherFields, secret: Secret): boolean {
  const given = normalizeCode(code);
  if (!given) return false;
  return timingSafeEqual(Buffer.from(given, 'ascii'), Buffer.from(directPayCode(v, secret), 'ascii'));
}

/** What a scanned QR encodes: the hospital console's address with the code, so a phone camera opens it directly. */
export function directPayQrUrl(publicUrl: string, tenant: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console/hospital?tenant=${encodeURIComponent(tenant)}&code=${code}`;
}

export type ScanRefusal = 'used' | 'expired' | 'revoked';

/** Why a voucher cannot be scanned at `now`, or null when it can. */
export function scanRefusal(v: { status: string; expiresAt: Date }, now: Date): ScanRefusal | null {
  if (v.status === 'revoked') return 'revoked';
  if (v.status !== 'issued') return 'used';
  if (now >= v.expiresAt) return 'expired';
  return null;
}

/** Amounts are kept in fen (分): integers, no rounding. ¥2.35 M = 235,000,000 fen. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
