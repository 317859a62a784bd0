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
  /** A disabled account has none: its sign-in answers as a wrong password does. */
  async credentials(q: Q, username: string): Promise<StaffCredentials | undefined> {
    const [s] = await q.query<StaffCredentials>('SELECT id, password_hash, display_name, roles, brigade_id FROM staff WHERE tenant = $1 AND username = $2 AND disabled_at IS NULL', [q.tenant, username]);
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

export interface StaffAccountRow {
  id: string;
  username: string;
  display_name: string;
  roles: Role[];
  brigade_id: string | null;
  disabled_at: Date | null;
  created_at: Date;
}

/** What a city's admin reads and changes of its staff (never a password hash). */
export const staffAdminRepo = {
  list: (q: Q) =>
    q.query<StaffAccountRow>('SELECT id, username, display_name, roles, brigade_id, disabled_at, created_at FROM staff WHERE tenant = $1 ORDER BY username', [q.tenant]),

  async byUsername(q: Q, username: string, opts: { lock?: boolean } = {}): Promise<StaffAccountRow | undefined> {
    const [s] = await q.query<StaffAccountRow>(
      `SELECT id, username, display_name, roles, brigade_id, disabled_at, created_at FROM staff WHERE tenant = $1 AND username = $2${opts.lock ? ' FOR UPDATE' : ''}`,
      [q.tenant, username]);
    return s;
  },

  /** Enabled admins, locked, so two admins cannot disable each other at once. */
  async enabledAdmins(q: Q): Promise<string[]> {
    return (await q.query<{ id: string }>("SELECT id FROM staff WHERE tenant = $1 AND 'admin' = ANY(roles) AND disabled_at IS NULL ORDER BY id FOR UPDATE", [q.tenant])).map((r) => r.id);
  },

  async update(q: Q, id: string, s: { displayName: string; roles: readonly string[]; brigadeId: string | null }): Promise<void> {
    await q.query('UPDATE staff SET display_name = $3, roles = $4, brigade_id = $5 WHERE tenant = $1 AND id = $2', [q.tenant, id, s.displayName, s.roles, s.brigadeId]);
  },

  async setDisabled(q: Q, id: string, at: Date | null): Promise<void> {
    await q.query('UPDATE staff SET disabled_at = $3 WHERE tenant = $1 AND id = $2', [q.tenant, id, at]);
  },

  async setPassword(q: Q, id: string, hash: string): Promise<void> {
    await q.query('UPDATE staff SET password_hash = $3 WHERE tenant = $1 AND id = $2', [q.tenant, id, hash]);
  },
};

/** A staff member's seat row follows their roles and brigade: made when they become a seat, sent away when they stop or are disabled. */
export const staffSeatRepo = {
  async follow(q: Q, id: string, s: { seat: boolean; brigadeId: string | null; now: Date }): Promise<void> {
    if (s.seat) {
      await q.query('INSERT INTO seats (tenant, staff_id, brigade_id) VALUES ($1, $2, $3) ON CONFLICT (tenant, staff_id) DO UPDATE SET brigade_id = EXCLUDED.brigade_id', [q.tenant, id, s.brigadeId]);
    } else {
      await q.query("UPDATE seats SET status = 'away', idle_since = NULL, updated_at = $3 WHERE tenant = $1 AND staff_id = $2 AND status IN ('available', 'away')", [q.tenant, id, s.now]);
    }
  },
  async sendAway(q: Q, id: string, now: Date): Promise<void> {
    await q.query("UPDATE seats SET status = 'away', idle_since = NULL, updated_at = $3 WHERE tenant = $1 AND staff_id = $2 AND status = 'available'", [q.tenant, id, now]);
  },
};
