/**
 * The on-site officers' status, reported back by the command centre's dispatch system
 * (dispatch-http's signed callback, routes/integrations.ts), recorded as a case event —
 * onsite.dispatched, onsite.arrived, onsite.closed — which the seat's and the party's case
 * screens show in the timeline and live. A report must name the ticket the case was
 * escalated with; the same status for the same ticket again (the desk retries a callback whose
 * answer it lost) records nothing new and answers as the first time.
 */
import type { CoreContext } from '../context.ts';
import { inTx } from '../context.ts';
import { Errors } from '../errors.ts';
import type { DispatchStatusBody, DispatchStatusReceipt, OnsiteStatus } from '../generated/types.ts';
import { caseEvents, lockCase, transition } from '../cases/repository.ts';

const EVENT: Record<OnsiteStatus, DispatchStatusReceipt['event']> = { dispatched: 'onsite.dispatched', arrived: 'onsite.arrived', closed: 'onsite.closed' };

export async function recordDispatchStatus(ctx: CoreContext, tenant: string, r: DispatchStatusBody): Promise<DispatchStatusReceipt> {
  const type = EVENT[r.status];
  return inTx(ctx, tenant, async (q, events) => {
    const c = await lockCase(q, tenant, r.caseId);
    const history = await caseEvents(q, tenant, c.id);
    const escalated = history.filter((e) => e.type === 'case.escalated').pop();
    if (!escalated || (escalated.payload as { ticket?: string }).ticket !== r.ticket) {
      throw Errors.caseNotFound(`no case escalated with ticket ${r.ticket}`);
    }
    const earlier = history.find((e) => e.type === type && (e.payload as { ticket?: string }).ticket === r.ticket);
    if (earlier) return { event: type, seq: earlier.seq, duplicate: true };
    const e = await transition(q, c, type, {
      ticket: r.ticket, reportedAt: new Date(r.at).toISOString(), ...(r.officer ? { officer: r.officer } : {}), ...(r.note ? { note: r.note } : {}),
    }, 'dispatch', ctx.clock.now());
    events.push(e);
    return { event: type, seq: e.seq, duplicate: false };
  });
}
