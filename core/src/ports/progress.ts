/**
 * 12123 progress push (网办进度): every state change of a case, and the e-document's link once
 * there is one, sent to the national 交管12123 app's side so the party follows the case there.
 * The core feeds it from the outbox relay's event stream through the deliveries outbox
 * (core/src/deliveries/progress.ts): at least once, retried, the same idempotency key on every
 * try of one update — (tenant, case, seq) — so the receiver applies each once, and applies an
 * update only when its seq is above the last it applied (retries may overtake each other).
 */
import type { DeliveryPolicy } from './insurer.ts';

export interface ProgressUpdate {
  tenant: string;
  caseId: string;
  /** The case number the party knows (KM-2026-000123). */
  caseNumber: string;
  /** The event's per-case sequence number: updates of a case are ordered by it. */
  seq: number;
  /** The case event that changed the state (case.served …). */
  event: string;
  /** The state after it (served …). */
  state: string;
  /** When it happened (ISO 8601). */
  at: string;
  /** The reporting party's mobile number: how 12123 finds the party's account. */
  partyPhone: string;
  /** The e-determination's public verification page, once determined. */
  documentUrl: string | null;
  /** (tenant, case, seq): the same on every try. */
  idempotencyKey: string;
}

export interface ProgressReceipt {
  acceptedAt: Date;
}

export interface ProgressPort {
  push(update: ProgressUpdate): Promise<ProgressReceipt>;
  /** How the outbox retries (defaults in core/src/deliveries/worker.ts). */
  readonly deliveryPolicy?: DeliveryPolicy;
}
