/**
 * The duty supervisor sends a waiting case to a seat (转派): it rings there at once, with the
 * city's ring timeout, exactly as if the ACD had chosen the seat (case.ringing, with who sent it).
 * Only a queued case, and only a seat that is signed in, free and — where the city keeps a roster —
 * on shift. Audited (who, when, the case, the seat).
 */
import { inTx, type CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import { audit } from '../auth/audit.ts';
import { seatsRepo } from '../persistence/seats.ts';
import { lockCase, transition, type CaseRow } from '../cases/repository.ts';
import { seatsOnShift } from '../roster/roster.ts';

export async function reassignCase(ctx: CoreContext, tenant: string, supervisor: { id: string; username: string }, caseId: string, seatId: string): Promise<CaseRow> {
  const city = ctx.cities.get(tenant);
  const ringMs = (city.profile.queue?.ringTimeoutSeconds ?? 20) * 1000;
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    if (c.state !== 'queued') throw Errors.transitionNotAllowed('only a waiting (queued) case can be sent to a seat', { state: c.state });
    const seat = await seatsRepo.claimNamed(q, seatId);
    if (!seat) throw Errors.seatNotAvailable('the seat is not signed in and free (or is no seat of this city)', { seatId });
    const onShift = await seatsOnShift(q, city.profile.timezone, now);
    if (onShift && !onShift.includes(seatId)) throw Errors.seatNotAvailable('the seat is off shift', { seatId });
    const deadline = new Date(now.getTime() + ringMs);
    await seatsRepo.ring(q, seatId, c.id, now);
    events.push(await transition(q, c, 'case.ringing', { seatId, overflow: seat.brigade_id !== c.brigade_id, ringDeadline: deadline.toISOString(), reassignedBy: supervisor.id }, `supervisor:${supervisor.id}`, now, {
      ring_seat: seatId, ring_deadline: deadline,
    }));
    await audit(q, { tenant, at: now, actor: supervisor.id, action: 'case.reassigned', subject: c.number, details: { before: { state: 'queued', brigadeId: c.brigade_id }, after: { state: 'ringing', seatId }, by: supervisor.username } });
    return c;
  });
}
