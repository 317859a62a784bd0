/**
 * Delivery receipts (回执) from Aliyun's SmsReport HTTP push: a JSON array of
 *   { phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id }
 * with times as "yyyy-MM-dd HH:mm:ss" in China time; the pusher expects { "code": 0, "msg": "接收成功" }.
 * The push is not signed, so the URL configured in the console carries a secret token we check
 * in constant time; without a token configured every push is refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface SmsDeliveryReport {
  vendor: 'aliyun' | 'tencent';
  /** The id the send returned (BizId / SerialNo). */
  id: string;
  to: string;
  delivered: boolean;
  /** The operator's status code (DELIVERED, UNDELIV, MK:0001 …). */
  code: string;
  message: string;
  sentAt: Date | null;
  reportedAt: Date;
  /** What the send put in OutId / SessionContext: kind and case. */
  ref?: string;
  segments?: number;
}

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

const str = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** Parses an SmsReport push; refuses the whole batch when one item is malformed (the pusher retries it). */
export function parseSmsReport(body: unknown): SmsDeliveryReport[] {
  if (!Array.isArray(body)) throw new ReceiptRefused('an SmsReport push is a JSON array', 400);
  if (body.length > 1000) throw new ReceiptRefused('an SmsReport push of more than 1000 reports', 400);
  return body.map((item: unknown, i) => {
    const r = item as Record<string, unknown>;
    const reportedAt = chinaTime(r?.report_time);
    if (!r || typeof r !== 'object' || !str(r.biz_id, 64) || !str(r.phone_number, 20) || typeof r.success !== 'boolean' || !reportedAt || !str(r.err_code, 64)) {
      throw new ReceiptRefused(`SmsReport item ${i} lacks biz_id, phone_number, success, err_code or report_time`, 400);
    }
    const segments = Number(r.sms_size);
    return {
      vendor: 'aliyun' as const,
      id: r.biz_id,
      to: r.phone_number,
      delivered: r.success,
      code: r.err_code,
      message: typeof r.err_msg === 'string' ? r.err_msg : '',
      sentAt: chinaTime(r.send_time),
      reportedAt,
      ...(str(r.out_id) ? { ref: r.out_id } : {}),
      ...(Number.isInteger(segments) && segments > 0 ? { segments } : {}),
    };
  });
}

/** What the SmsReport pusher expects back once the batch is taken. */
export const SMS_REPORT_ACK = { code: 0, msg: '接收成功' } as const;
