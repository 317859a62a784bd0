/** Partner organisations, their people, their sessions and room invitations (013_partners.sql). */
import type { Queryable } from '../db/db.ts';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

export type PartnerKind = 'insurer' | 'hospital' | 'repair_shop' | 'tow' | 'mediator';
export type InvitationRole = 'party_b' | 'insurer' | 'hospital' | 'repair_shop' | 'mediator';

export interface PartnerOrgRow { tenant: string; id: string; kind: PartnerKind; name: string; code: string | null; created_at: Date; disabled_at: Date | null }
export interface PartnerPersonRow {
  tenant: string; id: string; org_id: string; username: string; display_name: string; phone: string | null;
  password_hash: string; created_at: Date; disabled_at: Date | null;
}
export interface PartnerSessionRow {
  tenant: string; csrf: string; expires_at: Date; person_id: string; username: string; display_name: string;
  org_id: string; org_kind: PartnerKind; org_name: string; org_code: string | null;
}
export interface InvitationRow {
  tenant: string; id: string; case_id: string; role: InvitationRole; phone: string | null; org_id: string | null;
  token_hash: string; expires_at: Date; used_at: Date | null; used_by: string | null; revoked_at: Date | null; revoked_by: string | null;
  created_by: string; created_at: Date;
}

export const partnersRepo = {
  async insertOrg(q: Q, o: Omit<PartnerOrgRow, 'tenant' | 'disabled_at'>): Promise<void> {
    await q.query('INSERT INTO partner_orgs (tenant, id, kind, name, code, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [q.tenant, o.id, o.kind, o.name, o.code, o.created_at]);
  },
  async orgs(q: Q): Promise<PartnerOrgRow[]> {
    return q.query<PartnerOrgRow>('SELECT * FROM partner_orgs WHERE tenant = $1 ORDER BY kind, name', [q.tenant]);
  },
  async org(q: Q, id: string): Promise<PartnerOrgRow | undefined> {
    const [o] = await q.query<PartnerOrgRow>('SELECT * FROM partner_orgs WHERE tenant = $1 AND id = $2', [q.tenant, id]);
    return o;
  },
  async orgByName(q: Q, name: string): Promise<PartnerOrgRow | undefined> {
    const [o] = await q.query<PartnerOrgRow>('SELECT * FROM partner_orgs WHERE tenant = $1 AND name = $2', [q.tenant, name]);
    return o;
  },
  async insertPerson(q: Q, p: Omit<PartnerPersonRow, 'tenant' | 'disabled_at'>): Promise<void> {
    await q.query(
      'INSERT INTO partner_people (tenant, id, org_id, username, display_name, phone, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [q.tenant, p.id, p.org_id, p.username, p.display_name, p.phone, p.password_hash, p.created_at],
    );
  },
  async people(q: Q): Promise<PartnerPersonRow[]> {
    return q.query<PartnerPersonRow>('SELECT * FROM partner_people WHERE tenant = $1 ORDER BY username', [q.tenant]);
  },
  async personByUsername(q: Q, username: string): Promise<(PartnerPersonRow & { org_disabled_at: Date | null }) | undefined> {
    const [p] = await q.query<PartnerPersonRow & { org_disabled_at: Date | null }>(
      'SELECT p.*, o.disabled_at AS org_disabled_at FROM partner_people p JOIN partner_orgs o ON o.tenant = p.tenant AND o.id = p.org_id WHERE p.tenant = $1 AND p.username = $2',
      [q.tenant, username],
    );
    return p;
  },
  /** A username taken by a staff member or a partner person of the tenant (one namespace for the sign-in pages). */
  async usernameTaken(q: Q, username: string): Promise<boolean> {
    const rows = await q.query('SELECT 1 FROM partner_people WHERE tenant = $1 AND username = $2 UNION ALL SELECT 1 FROM staff WHERE tenant = $1 AND username = $2', [q.tenant, username]);
    return rows.length > 0;
  },

  async insertSession(q: Q, s: { tokenHash: string; personId: string; csrf: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await q.query(
      'INSERT INTO sessions (token_hash, tenant, partner_person_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [s.tokenHash, q.tenant, s.personId, s.csrf, s.createdAt, s.expiresAt],
    );
  },
  /** A partner person's session by token hash (none of a disabled person or organisation): `q` is of `acrossTenants('session lookup by token', …)`. */
  async sessionByTokenHash(q: Queryable, tokenHash: string): Promise<PartnerSessionRow | undefined> {
    const [s] = await q.query<PartnerSessionRow>(
      `SELECT s.tenant, s.csrf, s.expires_at, p.id AS person_id, p.username, p.display_name, o.id AS org_id, o.kind AS org_kind, o.name AS org_name, o.code AS org_code
       FROM sessions s JOIN partner_people p ON p.tenant = s.tenant AND p.id = s.partner_person_id
       JOIN partner_orgs o ON o.tenant = p.tenant AND o.id = p.org_id
       WHERE s.token_hash = $1 AND p.disabled_at IS NULL AND o.disabled_at IS NULL`,
      [tokenHash],
    );
    return s;
  },

  async insertInvitation(q: Q, i: Omit<InvitationRow, 'tenant' | 'used_at' | 'used_by' | 'revoked_at' | 'revoked_by'>): Promise<void> {
    await q.query(
      'INSERT INTO room_invitations (tenant, id, case_id, role, phone, org_id, token_hash, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [q.tenant, i.id, i.case_id, i.role, i.phone, i.org_id, i.token_hash, i.expires_at, i.created_by, i.created_at],
    );
  },
  async invitationByTokenHash(q: Q, tokenHash: string): Promise<InvitationRow | undefined> {
    const [i] = await q.query<InvitationRow>('SELECT * FROM room_invitations WHERE tenant = $1 AND token_hash = $2 FOR UPDATE', [q.tenant, tokenHash]);
    return i;
  },
  async invitation(q: Q, caseId: string, id: string): Promise<InvitationRow | undefined> {
    const [i] = await q.query<InvitationRow>('SELECT * FROM room_invitations WHERE tenant = $1 AND case_id = $2 AND id = $3 FOR UPDATE', [q.tenant, caseId, id]);
    return i;
  },
  async invitationsOfCase(q: Q, caseId: string): Promise<InvitationRow[]> {
    return q.query<InvitationRow>('SELECT * FROM room_invitations WHERE tenant = $1 AND case_id = $2 ORDER BY created_at, id', [q.tenant, caseId]);
  },
  async markUsed(q: Q, id: string, by: string, at: Date): Promise<void> {
    await q.query('UPDATE room_invitations SET used_at = $3, used_by = $4 WHERE tenant = $1 AND id = $2', [q.tenant, id, at, by]);
  },
  async revoke(q: Q, id: string, by: string, at: Date): Promise<void> {
    await q.query('UPDATE room_invitations SET revoked_at = $3, revoked_by = $4 WHERE tenant = $1 AND id = $2', [q.tenant, id, at, by]);
  },
  /** Records the invited second party as party B of a video case that has none (the photo path keeps its own: 010_photo_path.sql). */
  async setPartyB(q: Q, caseId: string, phone: string): Promise<void> {
    await q.query("UPDATE cases SET party_b_phone = $3 WHERE tenant = $1 AND id = $2 AND party_b_phone IS NULL AND path = 'video' AND party_phone <> $3", [q.tenant, caseId, phone]);
  },
  /** The accepted, unrevoked invitation that lets `usedBy` (party:<phone>, partner:<id>) into the case's room. */
  async admission(q: Q, caseId: string, usedBy: string): Promise<InvitationRow | undefined> {
    const [i] = await q.query<InvitationRow>(
      'SELECT * FROM room_invitations WHERE tenant = $1 AND case_id = $2 AND used_by = $3 AND revoked_at IS NULL ORDER BY used_at DESC LIMIT 1',
      [q.tenant, caseId, usedBy],
    );
    return i;
  },
  /** Whether the organisation holds an unrevoked invitation to the case (pending or accepted). */
  async orgInvited(q: Q, orgId: string, caseId: string): Promise<boolean> {
    return (await q.query('SELECT 1 FROM room_invitations WHERE tenant = $1 AND org_id = $2 AND case_id = $3 AND revoked_at IS NULL LIMIT 1', [q.tenant, orgId, caseId])).length > 0;
  },
  /** Ids of the cases an organisation is invited to (unrevoked), newest invitation first. */
  async casesOfOrg(q: Q, orgId: string): Promise<string[]> {
    const rows = await q.query<{ case_id: string }>(
      'SELECT case_id FROM room_invitations WHERE tenant = $1 AND org_id = $2 AND revoked_at IS NULL GROUP BY case_id ORDER BY max(created_at) DESC LIMIT 200',
      [q.tenant, orgId],
    );
    return rows.map((r) => r.case_id);
  },
};
