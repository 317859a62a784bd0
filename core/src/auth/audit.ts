/** The audit trail (audit_log): security-relevant acts outside a case's own event log. */
import type { Queryable } from '../db/db.ts';
import { scoped } from '../db/tenantDb.ts';
import { auditRepo } from '../persistence/loginThrottles.ts';

export interface AuditEntry {
  tenant: string;
  at: Date;
  /** A staff id; null when the system acted on its own (an automatic lock). */
  actor: string | null;
  action: 'staff.locked' | 'staff.unlocked' | 'staff.created' | 'profile.published' | 'profile.activated'
    | 'seat.roster_changed' | 'staff.imported' | 'case.reassigned' | 'call.listened'
    | 'staff.updated' | 'staff.disabled' | 'staff.enabled' | 'staff.password_reset' | 'brigade.created' | 'brigade.updated';
  subject: string;
  /** details.before / details.after: what an admin action changed, shown on the audit screen as before → after. */
  details?: Record<string, unknown>;
}

/** Records an entry in the caller's transaction (`db`: that of the entry's tenant, or the database). */
export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await auditRepo.insert(scoped(db, e.tenant), { at: e.at, actor: e.actor, action: e.action, subject: e.subject, details: e.details ?? {} });
}
