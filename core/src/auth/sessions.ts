/**
 * Sessions for staff and parties. The client holds a random token (cookie or bearer); the
 * database holds only its SHA-256, so a leaked table signs nobody in. Cookie-borne sessions
 * must echo the session's CSRF token in `X-CSRF-Token` on every change.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { acrossTenants, forTenant } from '../db/tenantDb.ts';
import { sessionsRepo } from '../persistence/sessions.ts';
import type { StaffRole } from '../generated/types.ts';
import { partnersRepo, type PartnerKind } from '../persistence/partners.ts';

/** provincial_analyst: reads the metrics of several cities (a staff record of any one tenant; see routes/analytics.ts). */
export type Role = StaffRole;

export interface Principal {
  tenant: string;
  csrf: string;
  expiresAt: Date;
  staff?: { id: string; username: string; displayName: string; roles: Role[]; brigadeId: string | null };
  party?: { phone: string; channel: string | null };
  /** A partner organisation's person (保险公司/医院/修理厂/清障/调解: issue 14, core/src/partners/). */
  partner?: PartnerPrincipal;
}

/** Who a partner session is: the person and their organisation (the kind decides what they may do). */
export interface PartnerPrincipal {
  id: string;
  username: string;
  displayName: string;
  orgId: string;
  orgKind: PartnerKind;
  orgName: string;
  /** The insurer's id in the city profile (insurers[].id) when orgKind = insurer; else null. */
  orgCode: string | null;
}

const STAFF_TTL_MS = 12 * 3600_000;
const PARTY_TTL_MS = 24 * 3600_000;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(
  db: Db,
  now: Date,
  who: { tenant: string; staffId?: string; partyPhone?: string; channel?: string | null },
): Promise<{ token: string; csrf: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(18).toString('base64url');
  const expiresAt = new Date(now.getTime() + (who.staffId ? STAFF_TTL_MS : PARTY_TTL_MS));
  await sessionsRepo.insert(forTenant(db, who.tenant), {
    tokenHash: tokenHash(token), staffId: who.staffId ?? null, partyPhone: who.partyPhone ?? null, channel: who.channel ?? null, csrf, createdAt: now, expiresAt,
  });
  return { token, csrf, expiresAt };
}

export async function loadSession(db: Db, token: string, now: Date): Promise<Principal | null> {
  // The token is all a request brings: which tenant it belongs to is what the lookup finds out.
  const s = await acrossTenants(db, 'session lookup by token', (q) => sessionsRepo.byTokenHash(q, tokenHash(token)));
  if (!s || new Date(s.expires_at) <= now) return null;
  if (!s.staff_id && !s.party_phone) return loadPartnerSession(db, token);
  const p: Principal = { tenant: s.tenant, csrf: s.csrf, expiresAt: new Date(s.expires_at) };
  if (s.staff_id && s.username) p.staff = { id: s.staff_id, username: s.username, displayName: s.display_name!, roles: s.roles!, brigadeId: s.brigade_id };
  if (s.party_phone) p.party = { phone: s.party_phone, channel: s.channel };
  return p;
}

/** A partner person's session (none when the person or the organisation is disabled). */
async function loadPartnerSession(db: Db, token: string): Promise<Principal | null> {
  const s = await acrossTenants(db, 'session lookup by token', (q) => partnersRepo.sessionByTokenHash(q, tokenHash(token)));
  if (!s) return null;
  return {
    tenant: s.tenant, csrf: s.csrf, expiresAt: new Date(s.expires_at),
    partner: { id: s.person_id, username: s.username, displayName: s.display_name, orgId: s.org_id, orgKind: s.org_kind, orgName: s.org_name, orgCode: s.org_code },
  };
}

/** A partner person's session (same lifetime as staff's). */
export async function createPartnerSession(db: Db, now: Date, tenant: string, personId: string): Promise<{ token: string; csrf: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(18).toString('base64url');
  const expiresAt = new Date(now.getTime() + STAFF_TTL_MS);
  await partnersRepo.insertSession(forTenant(db, tenant), { tokenHash: tokenHash(token), personId, csrf, createdAt: now, expiresAt });
  return { token, csrf, expiresAt };
}

export async function endSession(db: Db, tenant: string, token: string): Promise<void> {
  await sessionsRepo.delete(forTenant(db, tenant), tokenHash(token));
}
