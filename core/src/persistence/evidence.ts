/** The `evidence` table: append-only items, hash-chained per case (cases/evidence.ts). */
import type { Db } from '../db/db.ts';
import { acrossTenants, type TenantQueryable as Q } from '../db/tenantDb.ts';
import type { EvidenceRow } from '../cases/evidence.ts';

export const evidenceRepo = {
  async last(q: Q, caseId: string): Promise<{ seq: number; hash: string } | undefined> {
    const [last] = await q.query<{ seq: number; hash: string }>('SELECT seq, hash FROM evidence WHERE tenant = $1 AND case_id = $2 ORDER BY seq DESC LIMIT 1', [q.tenant, caseId]);
    return last;
  },

  async has(q: Q, caseId: string, id: string): Promise<boolean> {
    return (await q.query('SELECT 1 FROM evidence WHERE tenant = $1 AND case_id = $2 AND id = $3', [q.tenant, caseId, id])).length > 0;
  },

  async insert(q: Q, r: EvidenceRow): Promise<void> {
    await q.query(
      `INSERT INTO evidence (tenant, case_id, seq, id, item, kind, file_sha256, content_type, size, data, supersedes, prev_hash, hash, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [q.tenant, r.case_id, r.seq, r.id, r.item, r.kind, r.file_sha256, r.content_type, r.size, JSON.stringify(r.data), r.supersedes, r.prev_hash, r.hash, r.created_by, r.created_at],
    );
  },

  ofCase: (q: Q, caseId: string) => q.query<EvidenceRow>('SELECT * FROM evidence WHERE tenant = $1 AND case_id = $2 ORDER BY seq', [q.tenant, caseId]),

  /** The checked type of a file of this case (of a photo only, when asked); undefined when the case holds no such file. */
  async fileType(q: Q, caseId: string, sha256: string, opts: { photo?: boolean } = {}): Promise<string | undefined> {
    const [e] = await q.query<{ content_type: string }>(
      `SELECT content_type FROM evidence WHERE tenant = $1 AND case_id = $2 AND file_sha256 = $3${opts.photo ? " AND kind = 'photo'" : ''} LIMIT 1`, [q.tenant, caseId, sha256]);
    return e?.content_type;
  },

  async countItems(q: Q, caseId: string, item: string): Promise<number> {
    const [r] = await q.query<{ n: string | number }>('SELECT count(*) AS n FROM evidence WHERE tenant = $1 AND case_id = $2 AND item = $3', [q.tenant, caseId, item]);
    return Number(r?.n ?? 0);
  },
};

/**
 * Whether any item of any tenant holds these bytes: the file store is shared and addressed by
 * content, so a refused upload's file is removed only when no item anywhere holds it.
 */
export async function fileHeldAnywhere(db: Db, sha256: string): Promise<boolean> {
  return acrossTenants(db, 'file store: is the file held', async (q) =>
    (await q.query('SELECT 1 FROM evidence WHERE file_sha256 = $1 LIMIT 1', [sha256])).length > 0);
}
