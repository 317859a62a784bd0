/**
 * Delivery receipts (回执) into the `sms_receipts` table (008_sms_outbox.sql), each linked to its
 * outbox message: by the out-id the gateway echoes (Aliyun's out_id = the message's id) or by
 * the gateway's message id the send returned (Aliyun BizId, Tencent SerialNo). A receipt for a
 * message the outbox does not count as sent yet — 'maybe_sent' after a timeout, or 'failed'
 * after an answer that was lost — proves the gateway took it: the message becomes sent, and is
 * never sent again. A push repeated (its ack was lost) adds nothing.
 */
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import type { SmsDeliveryReport } from '../ports/sms.ts';
import { maskPhone } from '../privacy/mask.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ReceiptsTaken {
  recorded: number;
  /** Receipts that named a message of the outbox. */
  matched: number;
}

export async function recordReceipts(ctx: CoreContext, tenant: string, reports: readonly SmsDeliveryReport[]): Promise<ReceiptsTaken> {
  const taken: ReceiptsTaken = { recorded: 0, matched: 0 };
  await tenantDb(ctx, tenant).tx(async (q) => {
    const at = ctx.clock.now();
    for (const r of reports) {
      const [d] = await q.query<{ id: string; status: string }>(
        `SELECT id, status FROM deliveries WHERE tenant = $1 AND kind = 'sms' AND (external_id = $2 OR id = $3::uuid) ORDER BY (external_id = $2) DESC NULLS LAST LIMIT 1`,
        [tenant, r.id, r.ref && UUID.test(r.ref) ? r.ref : null],
      );
      const rows = await q.query(
        `INSERT INTO sms_receipts (tenant, vendor, vendor_id, delivery_id, phone_masked, delivered, code, message, reported_at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant, vendor, vendor_id) DO NOTHING RETURNING vendor_id`,
        [tenant, r.vendor, r.id, d?.id ?? null, maskPhone(r.to), r.delivered, r.code.slice(0, 64), r.message.slice(0, 200), r.reportedAt, at],
      );
      taken.recorded += rows.length;
      if (!d) continue;
      taken.matched++;
      if (d.status !== 'delivered') {
        await q.query(
          `UPDATE deliveries SET status = 'delivered', external_id = $3, delivered_at = $4, updated_at = $4,
             last_error = COALESCE(last_error || ' — ', '') || 'the gateway''s receipt shows it was taken', receipt = $5
           WHERE tenant = $1 AND id = $2 AND status <> 'delivered'`,
          [tenant, d.id, r.id, at, JSON.stringify({ id: r.id, fromReceipt: true })],
        );
      }
    }
  });
  return taken;
}
