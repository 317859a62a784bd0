/** The `determinations` table (事故认定书) and the per-tenant counters that number them. */
import type { Db } from '../db/db.ts';
import { acrossTenants, type TenantQueryable as Q } from '../db/tenantDb.ts';
import type { DeterminationRow } from '../cases/aftercare.ts';
import type { LiabilityGrade } from '../generated/types.ts';
import type { DeterminationContent } from '../documents/verification.ts';

export interface NewDetermination {
  caseId: string;
  number: string;
  parties: unknown;
  facts: string;
  chainHead: string;
  /** Canonical JSON of what the document says. */
  content: string;
  contentSha256: string;
  /** null until the PDF is rendered after the commit (009_document_after_commit.sql). */
  documentSha256: string | null;
  verifyCode: string;
  /** The officer; null for the parties' own agreement. */
  issuedBy: string | null;
  issuedAt: Date;
  /** determination (absent) or the photo path's agreement (010_photo_path.sql). */
  kind?: 'determination' | 'agreement';
}

/** What /verify reads of a document, found by its code alone. */
export interface VerifiableDocument {
  tenant: string;
  /** mediation: a 调解协议书 (015_mediations.sql), kept in the mediations table. */
  kind: 'determination' | 'agreement' | 'mediation';
  number: string;
  parties: Array<{ name: string; plate: string; liability: LiabilityGrade }>;
  issued_at: Date;
  served_at: Date | null;
  /** null while the PDF is being prepared. */
  document_sha256: string | null;
  content: DeterminationContent;
  content_sha256: string;
}

export const determinationsRepo = {
  async get(q: Q, caseId: string): Promise<DeterminationRow | undefined> {
    const [d] = await q.query<DeterminationRow>('SELECT * FROM determinations WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId]);
    return d;
  },

  /** Issued (again): a new determination replaces the case's earlier one, unserved. */
  async upsert(q: Q, d: NewDetermination): Promise<void> {
    await q.query(
      `INSERT INTO determinations (tenant, case_id, number, parties, facts, chain_head, content, content_sha256, document_sha256, verify_code, issued_by, issued_at, kind)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (tenant, case_id) DO UPDATE SET number = $3, parties = $4, facts = $5, chain_head = $6, content = $7, content_sha256 = $8,
         document_sha256 = $9, verify_code = $10, issued_by = $11, issued_at = $12, served_at = NULL, kind = $13`,
      [q.tenant, d.caseId, d.number, JSON.stringify(d.parties), d.facts, d.chainHead, d.content, d.contentSha256, d.documentSha256, d.verifyCode, d.issuedBy, d.issuedAt, d.kind ?? 'determination'],
    );
  },

  /** What the PDF is rendered from: the stored content (dates as ISO text) and the code printed on it. */
  async forDocument(q: Q, caseId: string): Promise<{ number: string; content: DeterminationContent; verify_code: string; document_sha256: string | null } | undefined> {
    const [d] = await q.query<{ number: string; content: DeterminationContent; verify_code: string; document_sha256: string | null }>(
      'SELECT number, content, verify_code, document_sha256 FROM determinations WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId]);
    return d;
  },

  /** The rendered PDF of the case's current determination (`number`), unless one is recorded already; true when this one was. */
  async setDocument(q: Q, caseId: string, number: string, sha256: string): Promise<boolean> {
    const rows = await q.query('UPDATE determinations SET document_sha256 = $4 WHERE tenant = $1 AND case_id = $2 AND number = $3 AND document_sha256 IS NULL RETURNING 1', [q.tenant, caseId, number, sha256]);
    return rows.length > 0;
  },

  /** Determinations issued before `before` whose document or service is not done (left by a process that stopped in between). */
  unfinished: (q: Q, before: Date) =>
    q.query<{ case_id: string; document_sha256: string | null; served_at: Date | null }>(
      `SELECT d.case_id, d.document_sha256, d.served_at FROM determinations d JOIN cases c ON c.tenant = d.tenant AND c.id = d.case_id
       WHERE d.tenant = $1 AND d.issued_at < $2 AND (d.document_sha256 IS NULL OR (d.served_at IS NULL AND c.state IN ('determined', 'agreed')))
       ORDER BY d.issued_at LIMIT 50`,
      [q.tenant, before]),

  async markServed(q: Q, caseId: string, at: Date): Promise<void> {
    await q.query('UPDATE determinations SET served_at = $3 WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId, at]);
  },
};

/** The next number of a tenant's counter (`scope`, e.g. determination-2026), from 1. */
export async function nextCounter(q: Q, scope: string): Promise<number> {
  const [counter] = await q.query<{ last: number }>(
    `INSERT INTO counters (tenant, scope, last) VALUES ($1, $2, 1) ON CONFLICT (tenant, scope) DO UPDATE SET last = counters.last + 1 RETURNING last`,
    [q.tenant, scope],
  );
  return counter!.last;
}

/**
 * A document by its verification code, whichever city issued it: the public /verify page
 * knows only the code printed on the paper. A mediation agreement (调解协议书) is found in the
 * mediations table the same way.
 */
export async function documentByCode(db: Db, code: string): Promise<VerifiableDocument | undefined> {
  const [d] = await acrossTenants(db, 'document verification', (q) => q.query<VerifiableDocument>(
    `SELECT tenant, kind, number, parties, issued_at, served_at, document_sha256, content, content_sha256 FROM determinations WHERE verify_code = $1
     UNION ALL
     SELECT tenant, 'mediation' AS kind, number, parties, issued_at, served_at, document_sha256, content, content_sha256 FROM mediations WHERE verify_code = $1`, [code]));
  return d;
}
