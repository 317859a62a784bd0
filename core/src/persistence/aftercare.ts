/** The `reviews` (复核) and `claims` (定损理赔) tables. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

export interface ClaimRow {
  insurer_id: string;
  plate: string;
  claim_no: string;
  pushed_at: Date;
}

export interface ReviewRow {
  id: string;
  reason: string;
  requested_at: Date;
  outcome: 'upheld' | 'revised' | null;
  decided_at: Date | null;
}

export const reviewsRepo = {
  async insert(q: Q, r: { caseId: string; id: string; phone: string; reason: string; at: Date }): Promise<void> {
    await q.query('INSERT INTO reviews (tenant, case_id, id, party_phone, reason, requested_at) VALUES ($1, $2, $3, $4, $5, $6)', [q.tenant, r.caseId, r.id, r.phone, r.reason, r.at]);
  },

  /** Decides an open review; false when there is no open review with that id. */
  async decide(q: Q, caseId: string, id: string, by: string, outcome: 'upheld' | 'revised', at: Date): Promise<boolean> {
    const rows = await q.query('UPDATE reviews SET decided_at = $4, decided_by = $5, outcome = $6 WHERE tenant = $1 AND case_id = $2 AND id = $3 AND decided_at IS NULL RETURNING id', [q.tenant, caseId, id, at, by, outcome]);
    return rows.length > 0;
  },

  ofCase: (q: Q, caseId: string) =>
    q.query<ReviewRow>('SELECT id, reason, requested_at, outcome, decided_at FROM reviews WHERE tenant = $1 AND case_id = $2 ORDER BY requested_at', [q.tenant, caseId]),
};

export const claimsRepo = {
  ofCase: (q: Q, caseId: string) =>
    q.query<ClaimRow>('SELECT insurer_id, plate, claim_no, pushed_at FROM claims WHERE tenant = $1 AND case_id = $2 ORDER BY pushed_at', [q.tenant, caseId]),

  /** Records a pushed claim; false when that vehicle's claim was recorded already. */
  async insert(q: Q, c: { caseId: string; insurerId: string; plate: string; claimNo: string; at: Date }): Promise<boolean> {
    const rows = await q.query('INSERT INTO claims (tenant, case_id, insurer_id, plate, claim_no, pushed_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING claim_no', [
      q.tenant, c.caseId, c.insurerId, c.plate, c.claimNo, c.at,
    ]);
    return rows.length > 0;
  },
};
