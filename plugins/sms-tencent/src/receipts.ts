/**
 * Delivery receipts (状态回执) from Tencent Cloud's status callback (短信下发状态回调): a JSON array of
 *   { user_receive_time, nationcode, mobile, report_status: SUCCESS|FAIL, errmsg, description, sid }
 * with times as "yyyy-MM-dd HH:mm:ss" in China time; the caller expects { "result": 0, "errmsg": "OK" }.
 * The callback is not signed, so the URL configured in the console carries a secret token we
 * check in constant time; without a token configured every callback is refused.
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
  /** What the send put in OutId / SessionContext: kind and case (Aliyun echoes it; Tencent's callback does not). */
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

/** Parses a status callback; refuses the whole batch when one item is malformed (Tencent retries it). */
export function parseStatusCallback(body: unknown): SmsDeliveryReport[] {
  if (!Array.isArray(body)) throw new ReceiptRefused('a status callback is a JSON array', 400);
  if (body.length > 1000) throw new ReceiptRefused('a status callback of more than 1000 reports', 400);
  return body.map((item: unknown, i) => {
    const r = item as Record<string, unknown>;
    const reportedAt = chinaTime(r?.user_receive_time);
    if (!r || typeof r !== 'object' || !str(r.sid, 64) || !str(r.mobile, 20) || (r.report_status !== 'SUCCESS' && r.report_status !== 'FAIL') || !reportedAt || !str(r.errmsg, 64)) {
      throw new ReceiptRefused(`status callback item ${i} lacks sid, mobile, report_status (SUCCESS/FAIL), errmsg or user_receive_time`, 400);
    }
    const nation = typeof r.nationcode === 'string' && r.nationcode !== '86' ? `+${r.nationcode}` : '';
    return {
      vendor: 'tencent' as const,
      id: r.sid,
      to: `${nation}${r.mobile}`,
      delivered: r.report_status === 'SUCCESS',
      code: r.errmsg,
      message: typeof r.description === 'string' ? r.description : '',
      sentAt: null,
      reportedAt,
    };
  });
}

/** What Tencent's callback expects back once the batch is taken. */
export const STATUS_CALLBACK_ACK = { result: 0, errmsg: 'OK' } as const;
