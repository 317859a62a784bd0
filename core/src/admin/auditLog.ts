/**
 * The audit log as the city's admin reads it (审计日志): who, when, what, before → after, with
 * filters, and as CSV. Entries are written by every admin action through auth/audit.ts.
 */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { AuditLogEntry } from '../generated/types.ts';
import { listAudit, type AuditFilter, type AuditRow } from '../persistence/auditLog.ts';

export interface AuditQuery { from?: string; to?: string; actor?: string; action?: string; subject?: string; limit?: number }

export const toFilter = (q: AuditQuery): AuditFilter => ({
  ...(q.from ? { from: new Date(q.from) } : {}), ...(q.to ? { to: new Date(q.to) } : {}),
  ...(q.actor ? { actor: q.actor } : {}), ...(q.action ? { action: q.action } : {}), ...(q.subject ? { subject: q.subject } : {}),
  limit: q.limit ?? 500,
});

function toEntry(r: AuditRow): AuditLogEntry {
  const { before, after, ...details } = r.details as { before?: unknown; after?: unknown } & Record<string, unknown>;
  const via = typeof details.via === 'string' ? details.via : typeof details.by === 'string' ? details.by : null;
  const actor = r.actor_username
    ? { username: r.actor_username, displayName: r.actor_name ?? r.actor_username, label: `${r.actor_name ?? r.actor_username} (${r.actor_username})` }
    : via ? { label: via } : r.actor ? { label: `staff ${r.actor}` } : null;
  return { id: r.id, at: new Date(r.at).toISOString(), actor, action: r.action, subject: r.subject, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}), details };
}

export const auditEntries = async (q: Q, query: AuditQuery): Promise<AuditLogEntry[]> => (await listAudit(q, toFilter(query))).map(toEntry);

/** A spreadsheet cell: quoted, and a leading = + - @ defused so a spreadsheet never runs it as a formula. */
function cell(v: unknown): string {
  let s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** UTF-8 with BOM (so Excel reads the Chinese), one row per entry. */
export function auditCsv(entries: readonly AuditLogEntry[]): string {
  const head = ['at', 'actor', 'action', 'subject', 'before', 'after', 'details'];
  const rows = entries.map((e) => [e.at, e.actor?.label ?? 'system', e.action, e.subject, e.before, e.after, Object.keys(e.details).length ? e.details : ''].map(cell).join(','));
  return `\uFEFF${[head.join(','), ...rows].join('\r\n')}\r\n`;
}
