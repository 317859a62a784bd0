/** The `deliveries` table (005_deliveries.sql, 008_sms_outbox.sql): the outbox of what goes to insurers, 12123 and SMS gateways. */
import { randomUUID } from 'node:crypto';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { ClaimPush } from '../ports/insurer.ts';
import type { ProgressUpdate } from '../ports/progress.ts';
import type { SmsMessage } from '../ports/sms.ts';

export type DeliveryKind = 'claim' | 'determination' | 'progress' | 'sms';
/** Every kind, for gauges that show 0 rather than no series (metrics/state.ts). */
export const DELIVERY_KINDS: readonly DeliveryKind[] = ['claim', 'determination', 'progress', 'sms'];
/** Which port sends which kinds (SMS has its own round: core/src/sms/outbox.ts). */
export const CHANNEL_KINDS = { insurer: ['claim', 'determination'], progress: ['progress'] } as const satisfies Record<string, readonly DeliveryKind[]>;
export type DeliveryChannel = keyof typeof CHANNEL_KINDS;
/** expired and maybe_sent are SMS only (008_sms_outbox.sql). */
export type DeliveryStatus = 'queued' | 'delivered' | 'failed' | 'dead' | 'expired' | 'maybe_sent';

export interface DeliveryRow {
  tenant: string;
  id: string;
  kind: DeliveryKind;
  /** null for an SMS that belongs to no case (a sign-in code). */
  case_id: string | null;
  target: string;
  plate: string;
  idempotency_key: string;
  /** What the port gets (a claim push and who asked for it — the `claim.pushed` event's actor — or a progress update). */
  payload: (ClaimPush & { actor?: string }) | ProgressUpdate | SmsMessage;
  status: DeliveryStatus;
  attempts: number;
  next_at: Date;
  last_error: string | null;
  receipt: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
  /** Past it the row is not sent (SMS sign-in codes). */
  expires_at: Date | null;
  /** The counterpart's id for what it took (an SMS gateway's message id). */
  external_id: string | null;
  seq: string;
}

export const deliveriesRepo = {
  /** Queues a delivery unless one with the same key exists; true when it was queued now. */
  async enqueue(q: Q, d: { kind: DeliveryKind; caseId: string; target: string; plate: string; key: string; payload: ClaimPush | ProgressUpdate; actor: string; at: Date }): Promise<boolean> {
    return (await deliveriesRepo.insert(q, { ...d, payload: { ...d.payload, kind: d.kind, idempotencyKey: d.key, actor: d.actor } })) !== null;
  },

  /** Queues a row as given unless one with the same key exists; its id when it was queued now. */
  async insert(q: Q, d: { kind: DeliveryKind; caseId: string | null; target: string; plate: string; key: string; payload: object; at: Date; expiresAt?: Date }): Promise<string | null> {
    const rows = await q.query<{ id: string }>(
      `INSERT INTO deliveries (tenant, id, kind, case_id, target, plate, idempotency_key, payload, status, attempts, next_at, created_at, updated_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $9, $9, $10) ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING id`,
      [q.tenant, randomUUID(), d.kind, d.caseId, d.target, d.plate, d.key, JSON.stringify(d.payload), d.at, d.expiresAt ?? null],
    );
    return rows[0]?.id ?? null;
  },

  /**
   * Takes up to `limit` due deliveries for one try: their attempt is counted and they are
   * leased until `leaseUntil`, so another worker (or process) does not send them meanwhile;
   * a worker that dies mid-send leaves them to be tried again when the lease ends.
   */
  lease: (q: Q, kinds: readonly DeliveryKind[], now: Date, leaseUntil: Date, limit: number, only?: { caseId?: string; ids?: readonly string[] }) =>
    q.query<DeliveryRow>(
      `UPDATE deliveries SET attempts = attempts + 1, next_at = $3, updated_at = $2
       WHERE tenant = $1 AND id IN (
         SELECT id FROM deliveries WHERE tenant = $1 AND kind = ANY($5::text[]) AND status IN ('queued', 'failed') AND next_at <= $2
           ${only?.caseId ? 'AND case_id = $6' : only?.ids ? 'AND id = ANY($6::uuid[])' : ''}
         ORDER BY next_at, created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      only?.caseId ? [q.tenant, now, leaseUntil, limit, kinds, only.caseId] : only?.ids ? [q.tenant, now, leaseUntil, limit, kinds, only.ids] : [q.tenant, now, leaseUntil, limit, kinds],
    ),

  /** Gives a leased row back untried (its try is not counted): due again at `nextAt`. */
  async release(q: Q, id: string, nextAt: Date, at: Date): Promise<void> {
    await q.query('UPDATE deliveries SET attempts = attempts - 1, next_at = $3, updated_at = $4 WHERE tenant = $1 AND id = $2', [q.tenant, id, nextAt, at]);
  },

  async delivered(q: Q, id: string, receipt: Record<string, unknown>, at: Date, externalId?: string): Promise<void> {
    await q.query("UPDATE deliveries SET status = 'delivered', receipt = $3, delivered_at = $4, updated_at = $4, last_error = NULL, external_id = COALESCE($5, external_id) WHERE tenant = $1 AND id = $2", [
      q.tenant, id, JSON.stringify(receipt), at, externalId ?? null,
    ]);
  },

  /** A failed try: 'failed' with the next try at `nextAt`, or 'dead' (dead letter) when `dead`. */
  async failed(q: Q, id: string, error: string, at: Date, next: { dead: true } | { dead: false; nextAt: Date }): Promise<void> {
    await deliveriesRepo.settle(q, id, next.dead ? 'dead' : 'failed', error, at, next.dead ? at : next.nextAt);
  },

  /** A try's end other than delivered: the status, why, and when it is due again (only 'failed' is). */
  async settle(q: Q, id: string, status: Exclude<DeliveryStatus, 'queued' | 'delivered'>, error: string, at: Date, nextAt: Date = at): Promise<void> {
    await q.query('UPDATE deliveries SET status = $3, last_error = $4, next_at = $5, updated_at = $6 WHERE tenant = $1 AND id = $2', [
      q.tenant, id, status, error.slice(0, 500), nextAt, at,
    ]);
  },

  ofCase: (q: Q, caseId: string, kind?: DeliveryKind) =>
    q.query<DeliveryRow>(`SELECT * FROM deliveries WHERE tenant = $1 AND case_id = $2 ${kind ? 'AND kind = $3' : ''} ORDER BY created_at, target, plate`, kind ? [q.tenant, caseId, kind] : [q.tenant, caseId]),

  /** Dead letters of a tenant, newest first (for the admin and for a manual replay). */
  dead: (q: Q, limit = 100) =>
    q.query<DeliveryRow>("SELECT * FROM deliveries WHERE tenant = $1 AND status = 'dead' ORDER BY updated_at DESC LIMIT $2", [q.tenant, limit]),

  /** Puts a dead letter (or an SMS that may or may not have gone out) back in the queue: an operator fixed the cause, or checked. */
  async requeue(q: Q, id: string, at: Date): Promise<boolean> {
    const rows = await q.query("UPDATE deliveries SET status = 'queued', attempts = 0, next_at = $3, updated_at = $3 WHERE tenant = $1 AND id = $2 AND status IN ('dead', 'maybe_sent') RETURNING id", [q.tenant, id, at]);
    return rows.length > 0;
  },
};
