/** The `staff` table: accounts of a city's police and call-takers. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { Role } from '../auth/sessions.ts';

export interface StaffCredentials {
  id: string;
  password_hash: string;
  display_name: string;
  roles: Role[];
  brigade_id: string | null;
}

export const staffRepo = {
  async credentials(q: Q, username: string): Promise<StaffCredentials | undefined> {
    const [s] = await q.query<StaffCredentials>('SELECT id, password_hash, display_name, roles, brigade_id FROM staff WHERE tenant = $1 AND username = $2', [q.tenant, username]);
    return s;
  },

  async exists(q: Q, username: string): Promise<boolean> {
    return (await q.query('SELECT 1 FROM staff WHERE tenant = $1 AND username = $2', [q.tenant, username])).length > 0;
  },

  async usernames(q: Q): Promise<string[]> {
    return (await q.query<{ username: string }>('SELECT username FROM staff WHERE tenant = $1', [q.tenant])).map((r) => r.username);
  },

  /** Names of the given staff ids (ids of other tenants are simply not found). */
  names: (q: Q, ids: readonly string[]) =>
    q.query<{ id: string; username: string; display_name: string }>('SELECT id, username, display_name FROM staff WHERE tenant = $1 AND id = ANY($2::uuid[])', [q.tenant, ids]),

  async insert(q: Q, s: { id: string; username: string; name: string; passwordHash: string; roles: readonly string[]; brigadeId: string | null }): Promise<void> {
    await q.query('INSERT INTO staff (tenant, id, username, display_name, password_hash, roles, brigade_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      q.tenant, s.id, s.username, s.name, s.passwordHash, s.roles, s.brigadeId,
    ]);
  },
};
