/**
 * The photo path's tables (010_photo_path.sql): photo_cases (what the path adds to a case),
 * photo_parties (each party's details, signature, receipt) and photo_join_tokens (B's SMS
 * links, stored as their SHA-256). Every function takes a tenant-bound handle.
 */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { PhotoLiabilityParty, PhotoPartyDetails } from '../generated/types.ts';

export type PartyRole = 'A' | 'B';

export interface PhotoLiabilityRow {
  proposedBy: PartyRole;
  proposedAt: string;
  parties: PhotoLiabilityParty[];
}

export interface PhotoOnlineRow {
  requestedBy: PartyRole;
  reason: 'disagree' | 'asked';
  note: string | null;
  at: string;
}

export interface PhotoRequestRow {
  id: string;
  note: string;
  from: PartyRole | 'both';
  at: string;
  officerId: string;
  /** When each asked party uploaded after the request (the request is fulfilled when every asked party has). */
  answered: Partial<Record<PartyRole, string>>;
}

export interface PhotoCaseRow {
  tenant: string;
  case_id: string;
  invited_phone: string;
  liability: PhotoLiabilityRow | null;
  online: PhotoOnlineRow | null;
  photo_requests: PhotoRequestRow[];
  left_scene_at: Date | null;
}

export interface PhotoPartyRow {
  tenant: string;
  case_id: string;
  role: PartyRole;
  phone: string;
  details: PhotoPartyDetails | null;
  joined_at: Date;
  signed_at: Date | null;
  acknowledged_at: Date | null;
}

export const photoCasesRepo = {
  async insert(q: Q, caseId: string, invitedPhone: string): Promise<void> {
    await q.query('INSERT INTO photo_cases (tenant, case_id, invited_phone) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [q.tenant, caseId, invitedPhone]);
  },

  async get(q: Q, caseId: string, opts: { lock?: boolean } = {}): Promise<PhotoCaseRow | undefined> {
    const [r] = await q.query<PhotoCaseRow>(`SELECT * FROM photo_cases WHERE tenant = $1 AND case_id = $2${opts.lock ? ' FOR UPDATE' : ''}`, [q.tenant, caseId]);
    return r;
  },

  async setInvited(q: Q, caseId: string, phone: string): Promise<void> {
    await q.query('UPDATE photo_cases SET invited_phone = $3 WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId, phone]);
  },

  async setLeftScene(q: Q, caseId: string, at: Date): Promise<void> {
    await q.query('UPDATE photo_cases SET left_scene_at = $3 WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId, at]);
  },

  async setLiability(q: Q, caseId: string, liability: PhotoLiabilityRow | null): Promise<void> {
    await q.query('UPDATE photo_cases SET liability = $3 WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId, liability && JSON.stringify(liability)]);
  },

  async setOnline(q: Q, caseId: string, online: PhotoOnlineRow): Promise<void> {
    await q.query('UPDATE photo_cases SET online = $3 WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId, JSON.stringify(online)]);
  },

  async setRequests(q: Q, caseId: string, requests: PhotoRequestRow[]): Promise<void> {
    await q.query('UPDATE photo_cases SET photo_requests = $3 WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId, JSON.stringify(requests)]);
  },
};

export const photoPartiesRepo = {
  async insert(q: Q, caseId: string, role: PartyRole, phone: string, at: Date): Promise<void> {
    await q.query('INSERT INTO photo_parties (tenant, case_id, role, phone, joined_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [q.tenant, caseId, role, phone, at]);
  },

  ofCase: (q: Q, caseId: string) => q.query<PhotoPartyRow>('SELECT * FROM photo_parties WHERE tenant = $1 AND case_id = $2 ORDER BY role', [q.tenant, caseId]),

  async setDetails(q: Q, caseId: string, role: PartyRole, details: PhotoPartyDetails): Promise<void> {
    await q.query('UPDATE photo_parties SET details = $4 WHERE tenant = $1 AND case_id = $2 AND role = $3', [q.tenant, caseId, role, JSON.stringify(details)]);
  },

  async clearSignatures(q: Q, caseId: string): Promise<void> {
    await q.query('UPDATE photo_parties SET signed_at = NULL WHERE tenant = $1 AND case_id = $2', [q.tenant, caseId]);
  },

  /** The party's signature, unless they signed already; true when this call signed. */
  async sign(q: Q, caseId: string, role: PartyRole, at: Date): Promise<boolean> {
    const rows = await q.query('UPDATE photo_parties SET signed_at = $4 WHERE tenant = $1 AND case_id = $2 AND role = $3 AND signed_at IS NULL RETURNING 1', [q.tenant, caseId, role, at]);
    return rows.length > 0;
  },

  /** The party's receipt of the determination, unless recorded already; true when this call recorded it. */
  async acknowledge(q: Q, caseId: string, role: PartyRole, at: Date): Promise<boolean> {
    const rows = await q.query('UPDATE photo_parties SET acknowledged_at = $4 WHERE tenant = $1 AND case_id = $2 AND role = $3 AND acknowledged_at IS NULL RETURNING 1', [q.tenant, caseId, role, at]);
    return rows.length > 0;
  },
};

export const joinTokensRepo = {
  async insert(q: Q, t: { hash: string; caseId: string; phone: string; at: Date; expiresAt: Date }): Promise<void> {
    await q.query('INSERT INTO photo_join_tokens (tenant, token_hash, case_id, phone, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [q.tenant, t.hash, t.caseId, t.phone, t.at, t.expiresAt]);
  },

  /** The case's links not yet used are void (a new link replaces them, or B joined). */
  async voidOpen(q: Q, caseId: string, at: Date): Promise<void> {
    await q.query('UPDATE photo_join_tokens SET used_at = $3 WHERE tenant = $1 AND case_id = $2 AND used_at IS NULL', [q.tenant, caseId, at]);
  },

  async get(q: Q, hash: string, opts: { lock?: boolean } = {}) {
    const [r] = await q.query<{ case_id: string; phone: string; expires_at: Date; used_at: Date | null }>(
      `SELECT case_id, phone, expires_at, used_at FROM photo_join_tokens WHERE tenant = $1 AND token_hash = $2${opts.lock ? ' FOR UPDATE' : ''}`, [q.tenant, hash]);
    return r;
  },

  async use(q: Q, hash: string, at: Date): Promise<void> {
    await q.query('UPDATE photo_join_tokens SET used_at = $3 WHERE tenant = $1 AND token_hash = $2', [q.tenant, hash, at]);
  },
};

/** The photo case of a number (party B joins by the number A gives them). */
export async function photoCaseIdByNumber(q: Q, number: string): Promise<string | undefined> {
  const [r] = await q.query<{ id: string }>("SELECT id FROM cases WHERE tenant = $1 AND number = $2 AND path = 'photo'", [q.tenant, number]);
  return r?.id;
}

/** Sets party B of a case (the phone proved by the SMS link or an SMS code). */
export async function setPartyB(q: Q, caseId: string, phone: string): Promise<void> {
  await q.query('UPDATE cases SET party_b_phone = $3 WHERE tenant = $1 AND id = $2', [q.tenant, caseId, phone]);
}
