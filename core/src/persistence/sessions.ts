/** The `sessions` table: the SHA-256 of each session token, never the token. */
import type { Queryable } from '../db/db.ts';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { Role } from '../auth/sessions.ts';

export interface SessionRow {
  tenant: string; csrf: string; staff_id: string | null; party_phone: string | null; channel: string | null; expires_at: Date;
  username: string | null; display_name: string | null; roles: Role[] | null; brigade_id: string | null;
}

export const sessionsRepo = {
  async insert(q: Q, s: { tokenHash: string; staffId: string | null; partyPhone: string | null; channel: string | null; csrf: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await q.query(
      'INSERT INTO sessions (token_hash, tenant, staff_id, party_phone, channel, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [s.tokenHash, q.tenant, s.staffId, s.partyPhone, s.channel, s.csrf, s.createdAt, s.expiresAt],
    );
  },

  /** A session with its staff member (none of a disabled account), by token hash: `q` is a transaction of `acrossTenants('session lookup by token', …)`. */
  async byTokenHash(q: Queryable, tokenHash: string): Promise<SessionRow | undefined> {
    const [s] = await q.query<SessionRow>(
      `SELECT s.tenant, s.csrf, s.staff_id, s.party_phone, s.channel, s.expires_at, st.username, st.display_name, st.roles, st.brigade_id
       FROM sessions s LEFT JOIN staff st ON st.tenant = s.tenant AND st.id = s.staff_id
       WHERE s.token_hash = $1 AND (s.staff_id IS NULL OR st.disabled_at IS NULL)`,
      [tokenHash],
    );
    return s;
  },

  /** Ends every session of a staff member (disabled, password reset); the hashes, for the caches. */
  async deleteOfStaff(q: Q, staffId: string): Promise<number> {
    return (await q.query('DELETE FROM sessions WHERE tenant = $1 AND staff_id = $2 RETURNING token_hash', [q.tenant, staffId])).length;
  },

  async delete(q: Q, tokenHash: string): Promise<void> {
    await q.query('DELETE FROM sessions WHERE tenant = $1 AND token_hash = $2', [q.tenant, tokenHash]);
  },
};
