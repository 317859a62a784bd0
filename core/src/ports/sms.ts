/** SMS port (短信): one-time codes, the leave-the-scene notice, the determination served. */
import type { SmsKind } from '../generated/types.ts';

export type { SmsKind };

export interface SmsMessage {
  tenant: string;
  /** Mainland mobile number, 11 digits. */
  to: string;
  text: string;
  kind: SmsKind;
  caseId?: string;
  /**
   * The template's variables by name (core/src/sms/messages.ts: otp → code; evacuate, escalation →
   * number; determination → number, docNo, code). Operators send only approved templates, so a
   * gateway adapter fills its template from these, not from the text.
   */
  params?: Record<string, string>;
  /**
   * The outbox message's id: adapters send it as the vendor's out-id (Aliyun OutId, Tencent
   * SessionContext), so a receipt names the message even when the send's answer was lost.
   */
  ref?: string;
}

export interface SmsReceipt {
  /** The operator's message id. */
  id: string;
  acceptedAt: Date;
}

export interface SmsPort {
  send(message: SmsMessage): Promise<SmsReceipt>;
}

/**
 * What a failed send says to the outbox (core/src/sms/kit/outcome.ts: SmsSendError). Any other
 * error counts as retryable and not sent.
 */
export interface SmsFailureSignal {
  /** false: the same message will never go through as it stands (bad number, template refused). */
  retryable?: boolean;
  /** The request may have reached the gateway (timeout, cut connection): a resend risks a duplicate. */
  maybeSent?: boolean;
  /** The gateway names when to try again (throttling windows). */
  retryAfterSeconds?: number;
}

/** One delivery report (回执) as a gateway pushes it, parsed. */
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
  /** What the send put in OutId / SessionContext (the outbox message's id), when the vendor echoes it. */
  ref?: string;
  segments?: number;
}

/** Implemented by gateway adapters that take delivery receipts (sms-aliyun, sms-tencent). */
export interface SmsReceiptsIntake {
  /** Which vendor's receipt format it reads: the receipts route is per vendor. */
  readonly vendor: SmsDeliveryReport['vendor'];
  /**
   * Takes one receipt push as the counterpart sent it: checks the token its URL carries,
   * parses, hands each report to the listeners, and returns the body the pusher expects.
   * Throws ReceiptRefused (status 400/401) for a push to refuse.
   */
  acceptReceipts(body: unknown, auth: { token?: string | null }): Promise<{ reports: SmsDeliveryReport[]; ack: unknown }>;
  /** Called for every accepted report; returns the unsubscribe. */
  onReceipt(listener: (report: SmsDeliveryReport) => void | Promise<void>): () => void;
}

/** A message as a development driver keeps it (the admin page shows its text as delivered). */
export interface StoredSms extends SmsMessage, SmsReceipt {}

/** Implemented by drivers that keep what they sent (the development driver). */
export interface SmsOutbox {
  outbox(tenant: string, opts?: { to?: string; limit?: number }): Promise<StoredSms[]>;
}
