/** Reading the audit trail (`audit_log`) of one tenant, newest first, with the actor's name. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

export interface AuditRow {
  id: string;
  at: Date;
  actor: string | null;
  actor_username: string | null;
  actor_name: string | null;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  /** The actor's user name. */
  actor?: string;
  /** An action, or its prefix ending in '.' (e.g. 'staff.'). */
  action?: string;
  subject?: string;
  limit: number;
}

export async function listAudit(q: Q, f: AuditFilter): Promise<AuditRow[]> {
  const where = ['a.tenant = $1'];
  const params: unknown[] = [q.tenant];
  const add = (sql: string, v: unknown) => { params.push(v); where.push(sql.replace('?', `$${params.length}`)); };
  if (f.from) add('a.at >= ?', f.from);
  if (f.to) add('a.at < ?', f.to);
  if (f.actor) add('s.username = ?', f.actor);
  if (f.action) f.action.endsWith('.') ? add("a.action LIKE ? || '%'", f.action) : add('a.action = ?', f.action);
  if (f.subject) add('a.subject = ?', f.subject);
  params.push(f.limit);
  return q.query<AuditRow>(
    `SELECT a.id::text AS id, a.at, a.actor, s.username AS actor_username, s.display_name AS actor_name, a.action, a.subject, a.details
     FROM audit_log a LEFT JOIN staff s ON s.tenant = a.tenant AND s.id = a.actor
     WHERE ${where.join(' AND ')} ORDER BY a.at DESC, a.id DESC LIMIT $${params.length}`, params);
}
