/**
 * Tencent Cloud's status callback (短信下发状态回调): a JSON array of
 *   { user_receive_time, nationcode, mobile, report_status: SUCCESS|FAIL, errmsg, description, sid, ext? }
 * (times in China time); the caller expects { "result": 0, "errmsg": "OK" }. The report is
 * matched to its message by `sid` (the SerialNo the send returned). Token, batch rules:
 * @kuaichu/core/sms.
 */
import { chinaTime, readReceiptBatch, str, type SmsDeliveryReport } from '@kuaichu/core/sms';

export function parseStatusCallback(body: unknown): SmsDeliveryReport[] {
  return readReceiptBatch(body, 'a status callback', 'sid, mobile, report_status (SUCCESS/FAIL), errmsg or user_receive_time', (r) => {
    const reportedAt = chinaTime(r.user_receive_time);
    if (!str(r.sid, 64) || !str(r.mobile, 20) || (r.report_status !== 'SUCCESS' && r.report_status !== 'FAIL') || !reportedAt || !str(r.errmsg, 64)) return null;
    const nation = typeof r.nationcode === 'string' && r.nationcode !== '86' ? `+${r.nationcode}` : '';
    return {
      vendor: 'tencent', id: r.sid, to: `${nation}${r.mobile}`, delivered: r.report_status === 'SUCCESS', code: r.errmsg,
      message: typeof r.description === 'string' ? r.description : '', sentAt: null, reportedAt,
    };
  });
}

/** What Tencent's callback expects back once the batch is taken. */
export const STATUS_CALLBACK_ACK = { result: 0, errmsg: 'OK' } as const;
