/**
 * Tencent Cloud's answers → port outcomes. A refused request comes back as Response.Error
 * (the SDK throws it with `code`); a request taken for some numbers and not others lists a
 * Code per number in SendStatusSet ("Ok" when sent).
 */
import { networkFailure, secondsToChinaMidnight, SmsSendError } from '@kuaichu/core/sms';

const TEMPLATE_CODES = /^(FailedOperation\.(TemplateIncorrectOrUnapproved|SignatureIncorrectOrUnapproved|TemplateParamSetNotMatchApprovedTemplate|MissingTemplateToModify|ContainSensitiveWord|JsonParseFail)|InvalidParameterValue\.(TemplateParameterFormatError|TemplateParameterLengthLimit|ProhibitedUseUrlInTemplateParameter|SdkAppIdNotExist|ContentLengthLimit))$/;
const RECIPIENT_CODES = /^(InvalidParameterValue\.IncorrectPhoneNumber|FailedOperation\.PhoneNumberInBlacklist|FailedOperation\.PhoneNumberOnBlacklist|UnsupportedOperation\.UnsupportedRegion|UnsupportedOperation\.ContainDomesticAndInternationalPhoneNumber)$/;
const AUTH_CODES = /^(AuthFailure|UnauthorizedOperation)/;
const LATER_CODES = /^(FailedOperation\.InsufficientBalanceInSmsPackage|InternalError|RequestLimitExceeded|ResourceUnavailable)/;

export function classifyTencentCode(code: string, message: string, requestId: string | undefined, now: Date): SmsSendError {
  const d = { vendorCode: code, ...(requestId ? { requestId } : {}) };
  const text = `Tencent Cloud refused the message: ${code} ${message}`.trim();
  if (code === 'LimitExceeded.PhoneNumberDailyLimit' || code === 'LimitExceeded.DailyLimit' || code === 'LimitExceeded.AppDailyLimit') {
    return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: secondsToChinaMidnight(now) });
  }
  if (code === 'LimitExceeded.PhoneNumberOneHourLimit') return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: 3600 });
  if (code === 'LimitExceeded.PhoneNumberThirtySecondLimit') return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: 30 });
  if (code === 'LimitExceeded.PhoneNumberSameContentDailyLimit') return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: secondsToChinaMidnight(now) });
  if (code.startsWith('LimitExceeded') || code === 'RequestLimitExceeded') return new SmsSendError(text, 'throttled', true, { ...d, retryAfterSeconds: 1 });
  if (RECIPIENT_CODES.test(code)) return new SmsSendError(text, 'invalid_recipient', false, d);
  if (TEMPLATE_CODES.test(code)) return new SmsSendError(text, 'template', false, d);
  if (AUTH_CODES.test(code)) return new SmsSendError(text, 'auth', false, d);
  if (LATER_CODES.test(code)) return new SmsSendError(text, 'unavailable', true, d);
  if (!code) return new SmsSendError('Tencent Cloud answered without a status for the number', 'unavailable', true, { maybeSent: true });
  return new SmsSendError(text, 'rejected', false, d);
}

/** What the SDK threw: Response.Error (it has `code`), an HTTP status, or the network. */
export function classifyTencentThrow(e: unknown, now: Date): SmsSendError {
  const err = e as { code?: string; httpCode?: number; requestId?: string; message?: string };
  if (typeof err?.code === 'string' && err.code) return classifyTencentCode(err.code, err.message ?? '', err.requestId || undefined, now);
  if (typeof err?.httpCode === 'number') return new SmsSendError(`Tencent Cloud is unavailable: HTTP ${err.httpCode}`, 'unavailable', true, { vendorCode: `HTTP ${err.httpCode}` });
  const net = networkFailure(e);
  if (net.network) return new SmsSendError(`Tencent Cloud could not be reached: ${net.detail}`, 'unavailable', true, { maybeSent: net.maybeSent });
  return new SmsSendError(`Tencent Cloud's answer could not be read: ${err?.message ?? String(e)}`, 'unavailable', true, { maybeSent: true });
}
