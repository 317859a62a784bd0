/**
 * The 12123 progress feed (网办进度): a bus consumer (group `progress-12123`) that turns each
 * state-changing case event into a progress update in the deliveries outbox, for the tenants
 * whose profile connects a `progress` integration; the worker sends them. The bus delivers at
 * least once, and the outbox key progress:<case>:<seq> makes a repeated batch queue nothing new.
 */
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import type { CaseEvent } from '../events/caseEvent.ts';
import type { BusHandler } from '../ports/bus.ts';
import type { ProgressUpdate } from '../ports/progress.ts';
import { TRANSITIONS } from '../cases/transitions.ts';
import { deliveriesRepo } from './store.ts';

export const PROGRESS_GROUP = 'progress-12123';

/** States in which the case has an e-determination to link to. */
const AFTER_DETERMINATION = new Set(['determined', 'served', 'review_requested', 'reviewed', 'claim_pushed', 'closed']);

/** The state an event leads to, or null for events that keep the state (evidence.added …). */
export function stateAfter(e: Pick<CaseEvent, 'type'>): string | null {
  const to = (TRANSITIONS as Record<string, { to: string }>)[e.type]?.to;
  return to && to !== 'same' ? to : null;
}

export function progressSink(ctx: CoreContext): BusHandler {
  return async (events) => {
    const byTenant = new Map<string, CaseEvent[]>();
    for (const e of events) {
      if (!stateAfter(e) || !ctx.cities.has(e.tenant) || !ctx.ports.find(e.tenant, 'progress')) continue;
      byTenant.set(e.tenant, [...(byTenant.get(e.tenant) ?? []), e]);
    }
    for (const [tenant, list] of byTenant) {
      await tenantDb(ctx, tenant).tx(async (q) => {
        const ids = [...new Set(list.map((e) => e.caseId))];
        const cases = await q.query<{ id: string; number: string; party_phone: string }>('SELECT id, number, party_phone FROM cases WHERE tenant = $1 AND id = ANY($2::uuid[])', [tenant, ids]);
        const docs = await q.query<{ case_id: string; verify_code: string }>('SELECT case_id, verify_code FROM determinations WHERE tenant = $1 AND case_id = ANY($2::uuid[])', [tenant, ids]);
        const now = ctx.clock.now();
        for (const e of list) {
          const c = cases.find((x) => x.id === e.caseId);
          if (!c) continue;
          // The document link from the event that served it, else the case's current determination (once there is one).
          const code = (e.payload as { verifyCode?: string }).verifyCode ?? (AFTER_DETERMINATION.has(stateAfter(e)!) ? docs.find((d) => d.case_id === e.caseId)?.verify_code : undefined);
          const key = `progress:${e.caseId}:${e.seq}`;
          const update: ProgressUpdate = {
            tenant, caseId: e.caseId, caseNumber: c.number, seq: e.seq, event: e.type, state: stateAfter(e)!, at: e.at,
            partyPhone: c.party_phone, documentUrl: code ? `${ctx.publicUrl}/verify/${code}` : null, idempotencyKey: key,
          };
          await deliveriesRepo.enqueue(q, { kind: 'progress', caseId: e.caseId, target: '12123', plate: '', key, payload: update, actor: 'system', at: now });
        }
      });
    }
  };
}
