/**
 * What a failed send means for the outbox (core/src/sms/outbox.ts), the same for every gateway
 * adapter. `retryable` says whether the same message may succeed later (throttling, the gateway
 * down) or never will as it stands (bad number, template refused, credentials wrong).
 * `maybeSent` says the request may have reached the gateway (timeout, connection cut after
 * writing): SendSms is not idempotent, so the outbox does not resend such a message by itself.
 */
import type { SmsFailureSignal } from '../../ports/sms.ts';

export type SmsFailure = 'throttled' | 'invalid_recipient' | 'template' | 'auth' | 'unavailable' | 'rejected' | 'config';

export interface SmsFailureDetails {
  vendorCode?: string;
  requestId?: string;
  maybeSent?: boolean;
  retryAfterSeconds?: number;
}

export class SmsSendError extends Error implements SmsFailureSignal {
  override readonly name = 'SmsSendError';
  readonly maybeSent: boolean;
  readonly vendorCode: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, readonly failure: SmsFailure, readonly retryable: boolean, details: SmsFailureDetails = {}) {
    super(message);
    this.maybeSent = details.maybeSent ?? false;
    this.vendorCode = details.vendorCode;
    this.requestId = details.requestId;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

export function isSmsSendError(e: unknown): e is SmsSendError {
  return e instanceof SmsSendError;
}

/** Seconds to the next midnight in China (UTC+8), when operators' daily limits reset. */
export function secondsToChinaMidnight(now: Date): number {
  const shifted = now.getTime() + 8 * 3_600_000;
  const next = (Math.floor(shifted / 86_400_000) + 1) * 86_400_000;
  return Math.ceil((next - shifted) / 1000);
}

/** Network failures: was the request possibly written before it failed? */
export function networkFailure(e: unknown): { network: boolean; maybeSent: boolean; detail: string } {
  const err = e as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = String(err?.code ?? err?.cause?.code ?? '');
  const name = String(err?.name ?? '');
  const message = String(err?.message ?? '');
  // Refused / unresolvable: nothing reached the gateway.
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(code + message)) return { network: true, maybeSent: false, detail: code || message };
  if (/ECONNRESET|EPIPE|socket hang up|ETIMEDOUT|ESOCKETTIMEDOUT|timeout|Timeout|aborted/i.test(code + name + message)) return { network: true, maybeSent: true, detail: code || name || message };
  return { network: false, maybeSent: false, detail: message };
}
