/** Failed staff sign-ins per account name (`staff_login_throttles`) and the audit trail (`audit_log`). */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

export const loginThrottlesRepo = {
  async lockedUntil(q: Q, username: string): Promise<Date | null> {
    const [row] = await q.query<{ locked_until: Date | null }>('SELECT locked_until FROM staff_login_throttles WHERE tenant = $1 AND username = $2', [q.tenant, username]);
    return row?.locked_until ? new Date(row.locked_until) : null;
  },

  /** One more failure (failures before `forgetBefore` are forgotten first); returns the count. */
  async countFailure(q: Q, username: string, now: Date, forgetBefore: Date): Promise<number> {
    const [{ failures }] = (await q.query<{ failures: number }>(
      `INSERT INTO staff_login_throttles AS t (tenant, username, failures, last_failure_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (tenant, username) DO UPDATE SET
         failures = CASE WHEN t.last_failure_at < $4 THEN 1 ELSE t.failures + 1 END, last_failure_at = $3
       RETURNING failures`,
      [q.tenant, username, now, forgetBefore],
    )) as [{ failures: number }];
    return failures;
  },

  async lock(q: Q, username: string, until: Date): Promise<void> {
    await q.query('UPDATE staff_login_throttles SET locked_until = $3 WHERE tenant = $1 AND username = $2', [q.tenant, username, until]);
  },

  /** Forgets the account's failures; returns what was recorded. */
  async clear(q: Q, username: string): Promise<{ failures: number; locked_until: Date | null } | undefined> {
    const [row] = await q.query<{ failures: number; locked_until: Date | null }>(
      'DELETE FROM staff_login_throttles WHERE tenant = $1 AND username = $2 RETURNING failures, locked_until', [q.tenant, username]);
    return row;
  },

  lockedAt: (q: Q, now: Date) =>
    q.query<{ username: string; failures: number; locked_until: Date }>(
      'SELECT username, failures, locked_until FROM staff_login_throttles WHERE tenant = $1 AND locked_until > $2 ORDER BY username', [q.tenant, now]),
};

export const auditRepo = {
  async insert(q: Q, e: { at: Date; actor: string | null; action: string; subject: string; details: Record<string, unknown> }): Promise<void> {
    await q.query('INSERT INTO audit_log (tenant, at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5, $6)',
      [q.tenant, e.at, e.actor, e.action, e.subject, JSON.stringify(e.details)]);
  },
};
