/**
 * Aliyun's SmsReport HTTP push (回执): a JSON array of
 *   { phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id }
 * (times in China time); the pusher expects { "code": 0, "msg": "接收成功" }. out_id echoes the
 * OutId of the send: the outbox message's id. Token, batch rules: @kuaichu/core/sms.
 */
import { chinaTime, readReceiptBatch, str, type SmsDeliveryReport } from '@kuaichu/core/sms';

export function parseSmsReport(body: unknown): SmsDeliveryReport[] {
  return readReceiptBatch(body, 'an SmsReport push', 'biz_id, phone_number, success, err_code or report_time', (r) => {
    const reportedAt = chinaTime(r.report_time);
    if (!str(r.biz_id, 64) || !str(r.phone_number, 20) || typeof r.success !== 'boolean' || !reportedAt || !str(r.err_code, 64)) return null;
    const segments = Number(r.sms_size);
    return {
      vendor: 'aliyun', id: r.biz_id, to: r.phone_number, delivered: r.success, code: r.err_code,
      message: typeof r.err_msg === 'string' ? r.err_msg : '', sentAt: chinaTime(r.send_time), reportedAt,
      ...(str(r.out_id) ? { ref: r.out_id } : {}),
      ...(Number.isInteger(segments) && segments > 0 ? { segments } : {}),
    };
  });
}

/** What the SmsReport pusher expects back once the batch is taken. */
export const SMS_REPORT_ACK = { code: 0, msg: '接收成功' } as const;
