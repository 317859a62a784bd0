/**
 * Sessions for staff and parties. The client holds a random token (cookie or bearer); the
 * database holds only its SHA-256, so a leaked table signs nobody in. Cookie-borne sessions
 * must echo the session's CSRF token in `X-CSRF-Token` on every change.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { acrossTenants, forTenant } from '../db/tenantDb.ts';
import type { StaffRole } from '../generated/types.ts';

/** provincial_analyst: reads the metrics of several cities (a staff record of any one tenant; see routes/analytics.ts). */
export type Role = StaffRole;

export interface Principal {
  tenant: string;
  csrf: string;
  expiresAt: Date;
  staff?: { id: string; username: string; displayName: string; roles: Role[]; brigadeId: string | null };
  party?: { phone: string; channel: string | null };
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
  await forTenant(db, who.tenant).query(
    'INSERT INTO sessions (token_hash, tenant, staff_id, party_phone, channel, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [tokenHash(token), who.tenant, who.staffId ?? null, who.partyPhone ?? null, who.channel ?? null, csrf, now, expiresAt],
  );
  return { token, csrf, expiresAt };
}

export async function loadSession(db: Db, token: string, now: Date): Promise<Principal | null> {
  // The token is all a request brings: which tenant it belongs to is what the lookup finds out.
  const [s] = await acrossTenants(db, 'session lookup by token', (q) => q.query<{
    tenant: string; csrf: string; staff_id: string | null; party_phone: string | null; channel: string | null; expires_at: Date;
    username: string | null; display_name: string | null; roles: Role[] | null; brigade_id: string | null;
  }>(
    `SELECT s.tenant, s.csrf, s.staff_id, s.party_phone, s.channel, s.expires_at, st.username, st.display_name, st.roles, st.brigade_id
     FROM sessions s LEFT JOIN staff st ON st.tenant = s.tenant AND st.id = s.staff_id WHERE s.token_hash = $1`,
    [tokenHash(token)],
  ));
  if (!s || new Date(s.expires_at) <= now) return null;
  const p: Principal = { tenant: s.tenant, csrf: s.csrf, expiresAt: new Date(s.expires_at) };
  if (s.staff_id && s.username) p.staff = { id: s.staff_id, username: s.username, displayName: s.display_name!, roles: s.roles!, brigadeId: s.brigade_id };
  if (s.party_phone) p.party = { phone: s.party_phone, channel: s.channel };
  return p;
}

export async function endSession(db: Db, tenant: string, token: string): Promise<void> {
  await forTenant(db, tenant).query('DELETE FROM sessions WHERE tenant = $1 AND token_hash = $2', [tenant, tokenHash(token)]);
}
