/**
 * What every gateway's receipt push shares: neither Aliyun's SmsReport nor Tencent's status
 * callback is signed, so the URL configured in the console carries a secret token, checked here
 * in constant time (no token configured → every push refused); both send a JSON array with
 * times as "yyyy-MM-dd HH:mm:ss" in China time; a malformed item refuses the whole batch (400),
 * so the gateway pushes it again. Each adapter parses its own fields (readReceiptBatch).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SmsDeliveryReport } from '../../ports/sms.ts';

export type { SmsDeliveryReport };

export class ReceiptRefused extends Error {
  override readonly name = 'ReceiptRefused';
  constructor(message: string, readonly status: 400 | 401) {
    super(message);
  }
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** "2026-06-01 21:30:05" in China time → Date; null when not such a time. */
export function chinaTime(s: unknown): Date | null {
  if (typeof s !== 'string') return null;
  const m = TIME_RE.exec(s);
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Constant-time check of the token the callback URL carries. */
export function checkReceiptToken(expected: string | undefined, given: unknown): void {
  if (!expected) throw new ReceiptRefused('receipts are not enabled: no receipt token is configured', 401);
  if (typeof given !== 'string' || !given) throw new ReceiptRefused('the receipt push carries no token', 401);
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  if (!timingSafeEqual(a, b)) throw new ReceiptRefused('the receipt push carries a wrong token', 401);
}

/** A non-empty string of at most `max` characters. */
export const str = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * Reads a receipt batch: a JSON array of at most 1000 items, each turned into a report by
 * `item` (null when the item lacks what it must carry: `need` names it in the refusal).
 */
export function readReceiptBatch(body: unknown, what: string, need: string, item: (r: Record<string, unknown>) => SmsDeliveryReport | null): SmsDeliveryReport[] {
  if (!Array.isArray(body)) throw new ReceiptRefused(`${what} is a JSON array`, 400);
  if (body.length > 1000) throw new ReceiptRefused(`${what} of more than 1000 reports`, 400);
  return body.map((raw: unknown, i) => {
    const report = raw && typeof raw === 'object' && !Array.isArray(raw) ? item(raw as Record<string, unknown>) : null;
    if (!report) throw new ReceiptRefused(`${what}: item ${i} lacks ${need}`, 400);
    return report;
  });
}
