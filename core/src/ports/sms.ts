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
}

export interface SmsReceipt {
  /** The operator's message id. */
  id: string;
  acceptedAt: Date;
}

export interface SmsPort {
  send(message: SmsMessage): Promise<SmsReceipt>;
}

/** A message as a development driver keeps it (tests and the admin page read the outbox). */
export interface StoredSms extends SmsMessage, SmsReceipt {}

/** Implemented by drivers that keep what they sent (the development driver). */
export interface SmsOutbox {
  outbox(tenant: string, opts?: { to?: string; limit?: number }): Promise<StoredSms[]>;
}
