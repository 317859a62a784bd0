/**
 * Aliyun's answers → port outcomes. SendSms answers business refusals with HTTP 200 and a
 * Code other than OK (isv.*); gateway-level refusals (signature, throttling of the API itself,
 * server errors) come as HTTP 4xx/5xx, which the SDK throws.
 */
import { networkFailure, secondsToChinaMidnight, SmsSendError } from '@kuaichu/core/sms';

const TEMPLATE_CODES = new Set([
  'isv.SMS_TEMPLATE_ILLEGAL', 'isv.SMS_SIGNATURE_ILLEGAL', 'isv.SMS_SIGN_ILLEGAL', 'isv.TEMPLATE_MISSING_PARAMETERS',
  'isv.INVALID_JSON_PARAM', 'isv.PARAM_LENGTH_LIMIT', 'isv.PARAM_NOT_SUPPORT_URL', 'isv.BLACK_KEY_CONTROL_LIMIT',
  'isv.SMS_CONTENT_ILLEGAL', 'isv.SMS_SIGNATURE_SCENE_ILLEGAL', 'isv.EXTEND_CODE_ERROR',
]);
const RECIPIENT_CODES = new Set(['isv.MOBILE_NUMBER_ILLEGAL', 'isv.MOBILE_COUNT_OVER_LIMIT', 'isv.DENY_IP_RANGE']);
/** The account cannot send now but may later (balance topped up, service restored). */
const ACCOUNT_LATER = new Set(['isv.AMOUNT_NOT_ENOUGH', 'isv.OUT_OF_SERVICE', 'isp.SYSTEM_ERROR', 'isp.RAM_PERMISSION_DENY']);
const AUTH_CODES = /^(SignatureDoesNotMatch|IncompleteSignature|InvalidAccessKeyId|InvalidAccessKeySecret|Forbidden|isv.ACCOUNT_NOT_EXISTS|isv.ACCOUNT_ABNORMAL|InvalidTimeStamp|SignatureNonceUsed)/;

/** isv.BUSINESS_LIMIT_CONTROL says which window was hit: 分钟级 / 小时级 / 天级 (Permits:n). */
function throttleWait(message: string, now: Date): number {
  if (message.includes('天级')) return secondsToChinaMidnight(now);
  if (message.includes('小时级')) return 3600;
  return 60;
}

export function classifyAliyunCode(code: string, message: string, requestId: string | undefined, now: Date): SmsSendError {
  const d = { vendorCode: code, ...(requestId ? { requestId } : {}) };
  const text = `Aliyun refused the message: ${code} ${message}`.trim();
  if (code === 'isv.BUSINESS_LIMIT_CONTROL') return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: throttleWait(message, now) });
  if (code === 'isv.DAY_LIMIT_CONTROL') return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: secondsToChinaMidnight(now) });
  if (code.startsWith('Throttling')) return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: 1 });
  if (RECIPIENT_CODES.has(code)) return new SmsSendError(text, 'invalid_recipient', false, d);
  if (TEMPLATE_CODES.has(code)) return new SmsSendError(text, 'template', false, d);
  if (ACCOUNT_LATER.has(code)) return new SmsSendError(text, 'unavailable', true, d);
  if (AUTH_CODES.test(code)) return new SmsSendError(text, 'auth', false, d);
  if (!code) return new SmsSendError('Aliyun answered without a Code or BizId', 'unavailable', true, { maybeSent: true });
  return new SmsSendError(text, 'rejected', false, d);
}

/** What the SDK threw: an HTTP-level refusal, or the network. */
export function classifyAliyunThrow(e: unknown, now: Date): SmsSendError {
  const err = e as { statusCode?: number; code?: string; data?: { Code?: string; Message?: string; RequestId?: string }; requestId?: string; message?: string };
  if (typeof err?.statusCode === 'number') {
    const code = err.data?.Code ?? err.code ?? '';
    const requestId = err.data?.RequestId ?? err.requestId;
    if (err.statusCode >= 500) return new SmsSendError(`Aliyun is unavailable: HTTP ${err.statusCode} ${code}`, 'unavailable', true, { vendorCode: code, ...(requestId ? { requestId } : {}) });
    return classifyAliyunCode(code, err.data?.Message ?? '', requestId, now);
  }
  const net = networkFailure(e);
  if (net.network) return new SmsSendError(`Aliyun could not be reached: ${net.detail}`, 'unavailable', true, { maybeSent: net.maybeSent });
  // An answer that is not JSON (a proxy's error page, a cut body): the gateway may have taken it.
  return new SmsSendError(`Aliyun's answer could not be read: ${err?.message ?? String(e)}`, 'unavailable', true, { maybeSent: true });
}
