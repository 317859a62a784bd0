/** The `direct_pay_bills` table (人伤直赔, 014_direct_pay_rescue.sql). */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

export type BillStatus = 'issued' | 'admitted' | 'billed' | 'settled' | 'revoked';

export interface BillRow {
  tenant: string; id: string; case_id: string; code: string; status: BillStatus;
  injured_name: string; injured_id_number: string | null; injured_phone: string | null; insurer_id: string;
  issued_by: string; issued_at: Date; expires_at: Date;
  hospital_org_id: string | null; admitted_by: string | null; admitted_at: Date | null;
  treatment: string | null; amount_fen: string | number | null; billed_at: Date | null;
  settled_by: string | null; settled_at: Date | null; settlement_ref: string | null;
  /** Joined: the case's number and the hospital's name. */
  case_number?: string; hospital_name?: string | null;
}

export interface LedgerRow { issued: number; admitted: number; billed: number; settled: number; advanced_fen: string | number; settled_fen: string | number }

const SELECT = `SELECT b.*, c.number AS case_number, h.name AS hospital_name FROM direct_pay_bills b
  JOIN cases c ON c.tenant = b.tenant AND c.id = b.case_id
  LEFT JOIN partner_orgs h ON h.tenant = b.tenant AND h.id = b.hospital_org_id`;

export const directPayRepo = {
  async insert(q: Q, b: Pick<BillRow, 'id' | 'case_id' | 'code' | 'injured_name' | 'injured_id_number' | 'injured_phone' | 'insurer_id' | 'issued_by' | 'issued_at' | 'expires_at'>): Promise<void> {
    await q.query(
      `INSERT INTO direct_pay_bills (tenant, id, case_id, code, status, injured_name, injured_id_number, injured_phone, insurer_id, issued_by, issued_at, expires_at)
       VALUES ($1, $2, $3, $4, 'issued', $5, $6, $7, $8, $9, $10, $11)`,
      [q.tenant, b.id, b.case_id, b.code, b.injured_name, b.injured_id_number, b.injured_phone, b.insurer_id, b.issued_by, b.issued_at, b.expires_at],
    );
  },
  async byId(q: Q, id: string, lock = false): Promise<BillRow | undefined> {
    const [r] = await q.query<BillRow>(`${SELECT} WHERE b.tenant = $1 AND b.id = $2${lock ? ' FOR UPDATE OF b' : ''}`, [q.tenant, id]);
    return r;
  },
  async byCode(q: Q, code: string): Promise<BillRow | undefined> {
    const [r] = await q.query<BillRow>(`${SELECT} WHERE b.tenant = $1 AND b.code = $2 FOR UPDATE OF b`, [q.tenant, code]);
    return r;
  },
  ofCase: (q: Q, caseId: string) => q.query<BillRow>(`${SELECT} WHERE b.tenant = $1 AND b.case_id = $2 ORDER BY b.issued_at`, [q.tenant, caseId]),
  ofHospital: (q: Q, orgId: string) => q.query<BillRow>(`${SELECT} WHERE b.tenant = $1 AND b.hospital_org_id = $2 ORDER BY b.admitted_at DESC LIMIT 200`, [q.tenant, orgId]),
  /** The insurer's bills: those a hospital has taken (admitted, billed, settled). */
  ofInsurer: (q: Q, insurerId: string) =>
    q.query<BillRow>(`${SELECT} WHERE b.tenant = $1 AND b.insurer_id = $2 AND b.status IN ('admitted', 'billed', 'settled') ORDER BY b.admitted_at DESC LIMIT 200`, [q.tenant, insurerId]),

  /** Withdraws a voucher of this case that no hospital has taken yet; false otherwise (taken, revoked, another case's). */
  async revoke(q: Q, id: string, caseId: string): Promise<boolean> {
    const r = await q.query(`UPDATE direct_pay_bills SET status = 'revoked' WHERE tenant = $1 AND id = $2 AND case_id = $3 AND status = 'issued' RETURNING id`, [q.tenant, id, caseId]);
    return r.length > 0;
  },
  /** Takes an issued voucher for a hospital; false when it was taken meanwhile. */
  async admit(q: Q, id: string, orgId: string, personId: string, at: Date): Promise<boolean> {
    const r = await q.query(`UPDATE direct_pay_bills SET status = 'admitted', hospital_org_id = $3, admitted_by = $4, admitted_at = $5 WHERE tenant = $1 AND id = $2 AND status = 'issued' RETURNING id`, [q.tenant, id, orgId, personId, at]);
    return r.length > 0;
  },
  async bill(q: Q, id: string, treatment: string, amountFen: number, at: Date): Promise<boolean> {
    const r = await q.query(`UPDATE direct_pay_bills SET status = 'billed', treatment = $3, amount_fen = $4, billed_at = $5 WHERE tenant = $1 AND id = $2 AND status = 'admitted' RETURNING id`, [q.tenant, id, treatment, amountFen, at]);
    return r.length > 0;
  },
  async settle(q: Q, id: string, personId: string, ref: string, at: Date): Promise<boolean> {
    const r = await q.query(`UPDATE direct_pay_bills SET status = 'settled', settled_by = $3, settlement_ref = $4, settled_at = $5 WHERE tenant = $1 AND id = $2 AND status = 'billed' RETURNING id`, [q.tenant, id, personId, ref, at]);
    return r.length > 0;
  },
  /** The tenant's totals: advanced = what hospitals billed (billed or settled), settled = what insurers paid. */
  async ledger(q: Q): Promise<LedgerRow> {
    const [r] = await q.query<LedgerRow>(
      `SELECT count(*) FILTER (WHERE status <> 'revoked')::int AS issued,
              count(*) FILTER (WHERE status IN ('admitted', 'billed', 'settled'))::int AS admitted,
              count(*) FILTER (WHERE status IN ('billed', 'settled'))::int AS billed,
              count(*) FILTER (WHERE status = 'settled')::int AS settled,
              coalesce(sum(amount_fen) FILTER (WHERE status IN ('billed', 'settled')), 0) AS advanced_fen,
              coalesce(sum(amount_fen) FILTER (WHERE status = 'settled'), 0) AS settled_fen
         FROM direct_pay_bills WHERE tenant = $1`,
      [q.tenant],
    );
    return r!;
  },
};
