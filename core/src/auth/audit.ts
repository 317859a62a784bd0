/** The audit trail (audit_log): security-relevant acts outside a case's own event log. */
import type { Queryable } from '../db/db.ts';

export interface AuditEntry {
  tenant: string;
  at: Date;
  /** A staff id; null when the system acted on its own (an automatic lock). */
  actor: string | null;
  action: 'staff.locked' | 'staff.unlocked';
  subject: string;
  details?: Record<string, unknown>;
}

export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_log (tenant, at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5, $6)',
    [e.tenant, e.at, e.actor, e.action, e.subject, JSON.stringify(e.details ?? {})]);
}
