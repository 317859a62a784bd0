/** The `deliveries` table (005_deliveries.sql): the outbox of what goes to insurers. */
import { randomUUID } from 'node:crypto';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { ClaimPush } from '../ports/insurer.ts';
import type { ProgressUpdate } from '../ports/progress.ts';

export type DeliveryKind = 'claim' | 'determination' | 'progress';
/** Which port sends which kinds. */
export const CHANNEL_KINDS = { insurer: ['claim', 'determination'], progress: ['progress'] } as const satisfies Record<string, readonly DeliveryKind[]>;
export type DeliveryChannel = keyof typeof CHANNEL_KINDS;
export type DeliveryStatus = 'queued' | 'delivered' | 'failed' | 'dead';

export interface DeliveryRow {
  tenant: string;
  id: string;
  kind: DeliveryKind;
  case_id: string;
  target: string;
  plate: string;
  idempotency_key: string;
  /** What the port gets (a claim push and who asked for it — the `claim.pushed` event's actor — or a progress update). */
  payload: (ClaimPush & { actor?: string }) | ProgressUpdate;
  status: DeliveryStatus;
  attempts: number;
  next_at: Date;
  last_error: string | null;
  receipt: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

export const deliveriesRepo = {
  /** Queues a delivery unless one with the same key exists; true when it was queued now. */
  async enqueue(q: Q, d: { kind: DeliveryKind; caseId: string; target: string; plate: string; key: string; payload: ClaimPush | ProgressUpdate; actor: string; at: Date }): Promise<boolean> {
    const rows = await q.query(
      `INSERT INTO deliveries (tenant, id, kind, case_id, target, plate, idempotency_key, payload, status, attempts, next_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $9, $9) ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING id`,
      [q.tenant, randomUUID(), d.kind, d.caseId, d.target, d.plate, d.key, JSON.stringify({ ...d.payload, kind: d.kind, idempotencyKey: d.key, actor: d.actor }), d.at],
    );
    return rows.length > 0;
  },

  /**
   * Takes up to `limit` due deliveries for one try: their attempt is counted and they are
   * leased until `leaseUntil`, so another worker (or process) does not send them meanwhile;
   * a worker that dies mid-send leaves them to be tried again when the lease ends.
   */
  lease: (q: Q, kinds: readonly DeliveryKind[], now: Date, leaseUntil: Date, limit: number, caseId?: string) =>
    q.query<DeliveryRow>(
      `UPDATE deliveries SET attempts = attempts + 1, next_at = $3, updated_at = $2
       WHERE tenant = $1 AND id IN (
         SELECT id FROM deliveries WHERE tenant = $1 AND kind = ANY($5::text[]) AND status IN ('queued', 'failed') AND next_at <= $2 ${caseId ? 'AND case_id = $6' : ''}
         ORDER BY next_at, created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      caseId ? [q.tenant, now, leaseUntil, limit, kinds, caseId] : [q.tenant, now, leaseUntil, limit, kinds],
    ),

  async delivered(q: Q, id: string, receipt: Record<string, unknown>, at: Date): Promise<void> {
    await q.query("UPDATE deliveries SET status = 'delivered', receipt = $3, delivered_at = $4, updated_at = $4, last_error = NULL WHERE tenant = $1 AND id = $2", [
      q.tenant, id, JSON.stringify(receipt), at,
    ]);
  },

  /** A failed try: 'failed' with the next try at `nextAt`, or 'dead' (dead letter) when `dead`. */
  async failed(q: Q, id: string, error: string, at: Date, next: { dead: true } | { dead: false; nextAt: Date }): Promise<void> {
    await q.query('UPDATE deliveries SET status = $3, last_error = $4, next_at = $5, updated_at = $6 WHERE tenant = $1 AND id = $2', [
      q.tenant, id, next.dead ? 'dead' : 'failed', error.slice(0, 500), next.dead ? at : next.nextAt, at,
    ]);
  },

  ofCase: (q: Q, caseId: string, kind?: DeliveryKind) =>
    q.query<DeliveryRow>(`SELECT * FROM deliveries WHERE tenant = $1 AND case_id = $2 ${kind ? 'AND kind = $3' : ''} ORDER BY created_at, target, plate`, kind ? [q.tenant, caseId, kind] : [q.tenant, caseId]),

  /** Dead letters of a tenant, newest first (for the admin and for a manual replay). */
  dead: (q: Q, limit = 100) =>
    q.query<DeliveryRow>("SELECT * FROM deliveries WHERE tenant = $1 AND status = 'dead' ORDER BY updated_at DESC LIMIT $2", [q.tenant, limit]),

  /** Puts a dead letter back in the queue (an operator fixed the cause). */
  async requeue(q: Q, id: string, at: Date): Promise<boolean> {
    const rows = await q.query("UPDATE deliveries SET status = 'queued', attempts = 0, next_at = $3, updated_at = $3 WHERE tenant = $1 AND id = $2 AND status = 'dead' RETURNING id", [q.tenant, id, at]);
    return rows.length > 0;
  },
};
