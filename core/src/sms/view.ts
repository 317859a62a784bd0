/** The tenant's SMS outbox as the admin reads it: each message's status, tries, last error and receipt, newest first. */
import type { TenantQueryable } from '../db/tenantDb.ts';
import type { DeliveryStatus } from '../deliveries/store.ts';
import type { SmsMessage } from '../ports/sms.ts';

export interface SmsOutboxRow {
  id: string;
  target: string;
  case_id: string | null;
  payload: SmsMessage;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  expires_at: Date | null;
  external_id: string | null;
  receipt_delivered: boolean | null;
  receipt_code: string | null;
  receipt_at: Date | null;
}

export const smsOutboxView = (q: TenantQueryable, opts: { to?: string; id?: string; limit: number }) =>
  q.query<SmsOutboxRow>(
    `SELECT d.id, d.target, d.case_id, d.payload, d.status, d.attempts, d.last_error, d.created_at, d.delivered_at, d.expires_at, d.external_id,
            r.delivered AS receipt_delivered, r.code AS receipt_code, r.reported_at AS receipt_at
     FROM deliveries d
     LEFT JOIN LATERAL (
       SELECT delivered, code, reported_at FROM sms_receipts r
       WHERE r.tenant = d.tenant AND (r.delivery_id = d.id OR (d.external_id IS NOT NULL AND r.vendor_id = d.external_id))
       ORDER BY reported_at DESC LIMIT 1) r ON true
     WHERE d.tenant = $1 AND d.kind = 'sms' ${opts.to ? 'AND d.target = $3' : opts.id ? 'AND d.id = $3::uuid' : ''}
     ORDER BY d.seq DESC LIMIT $2`,
    opts.to ? [q.tenant, opts.limit, opts.to] : opts.id ? [q.tenant, opts.limit, opts.id] : [q.tenant, opts.limit],
  );

/**
 * An operator sends a message again: a dead one (the cause fixed) or one that may have gone out
 * (checked with the party or the gateway's console that it did not). Its tries start over.
 */
export async function requeueSms(q: TenantQueryable, id: string, at: Date): Promise<boolean> {
  const rows = await q.query(
    "UPDATE deliveries SET status = 'queued', attempts = 0, next_at = $3, updated_at = $3 WHERE tenant = $1 AND id = $2 AND kind = 'sms' AND status IN ('dead', 'maybe_sent') AND expires_at IS NULL RETURNING id",
    [q.tenant, id, at],
  );
  return rows.length > 0;
}
