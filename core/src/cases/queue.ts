/**
 * The seat queue (ACD, 排队分配). State lives in the database, never in memory, so several
 * server processes can share one PostgreSQL: cases and seats are claimed with
 * `FOR UPDATE SKIP LOCKED`, and whichever process ticks first does the work.
 *
 * - A queued case rings the longest-idle available seat of its brigade; after the city's
 *   `overflowAfterSeconds` it may ring any seat of the city.
 * - Where the tenant keeps a roster (排班), only seats on shift are rung (roster/roster.ts); where the
 *   city declares skills, a case that needs one rings only seats with it until overflow (roster/skills.ts).
 * - A resumed case (继续处理) queues at the front and prefers the seat it had.
 * - A seat that does not answer within `ringTimeoutSeconds` is set away; the case keeps its place.
 * - An interrupted call not resumed within `resumeWindowSeconds` is abandoned.
 */
import type { Queryable } from '../db/db.ts';
import type { SeatStatus } from '../generated/types.ts';
import { Errors } from '../errors.ts';
import { inTx, LIVE_CHANNEL, tenantDb, type CoreContext } from '../context.ts';
import { scoped } from '../db/tenantDb.ts';
import { casesRepo } from '../persistence/cases.ts';
import { seatsRepo } from '../persistence/seats.ts';
import { lockCase, transition, type CaseEvent, type CaseRow } from './repository.ts';
import { seatsOnShift } from '../roster/roster.ts';
import { requiredSkill } from '../roster/skills.ts';

export type { SeatStatus };

export interface SeatRow {
  tenant: string;
  staff_id: string;
  brigade_id: string | null;
  status: SeatStatus;
  idle_since: Date | null;
  case_id: string | null;
}

const seatActor = (id: string) => `seat:${id}`;

/** A seat goes available (ready for calls) or away. A seat on a call or ringing cannot. */
export async function setSeatStatus(ctx: CoreContext, tenant: string, staffId: string, status: 'available' | 'away'): Promise<SeatRow> {
  const now = ctx.clock.now();
  const seat = await tenantDb(ctx, tenant).tx(async (q) => {
    const s = await seatsRepo.get(q, staffId, { lock: true });
    if (!s) throw Errors.forbidden('you are not a seat');
    if (s.status === 'busy' || s.status === 'ringing') throw Errors.seatBusy(`the seat is ${s.status}`, { status: s.status, caseId: s.case_id });
    if (s.status === status) return s;
    await seatsRepo.announce(q, LIVE_CHANNEL, staffId);
    return seatsRepo.setStatus(q, staffId, status, now);
  });
  if (status === 'available') await dispatchQueue(ctx, tenant);
  return seat;
}

/** Rings as many queued cases as there are suitable available seats. Returns the events. */
export async function dispatchQueue(ctx: CoreContext, tenant: string): Promise<CaseEvent[]> {
  const city = ctx.cities.get(tenant);
  const overflowMs = (city.profile.queue?.overflowAfterSeconds ?? 60) * 1000;
  const ringMs = (city.profile.queue?.ringTimeoutSeconds ?? 20) * 1000;
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const queued = await casesRepo.claimQueued(q);
    if (!queued.length) return events;
    // Rosters (排班): only seats on shift, when the tenant has a roster at all (roster/roster.ts).
    const onShift = await seatsOnShift(q, city.profile.timezone, now);
    for (const c of queued) {
      const overflow = now.getTime() - new Date(c.queued_at!).getTime() >= overflowMs;
      const seat = await seatsRepo.claimFor(q, c, overflow, { onShift, skill: requiredSkill(city, c.report) });
      if (!seat) continue;
      const deadline = new Date(now.getTime() + ringMs);
      await seatsRepo.ring(q, seat.staff_id, c.id, now);
      events.push(
        await transition(q, c, 'case.ringing', { seatId: seat.staff_id, overflow: seat.brigade_id !== c.brigade_id, ringDeadline: deadline.toISOString() }, 'system', now, {
          ring_seat: seat.staff_id,
          ring_deadline: deadline,
        }),
      );
    }
    return events;
  });
}

/** The ringing seat answers (接警): the call starts. */
export async function answerCall(ctx: CoreContext, tenant: string, staffId: string, caseId: string): Promise<CaseRow> {
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    if (c.state === 'ringing' && c.ring_seat !== staffId) throw Errors.transitionNotAllowed('the case is ringing at another seat', { state: c.state });
    const waitSeconds = (now.getTime() - new Date(c.queued_at ?? c.reported_at).getTime()) / 1000;
    events.push(await transition(q, c, 'case.answered', { seatId: staffId, waitSeconds }, seatActor(staffId), now, {
      seat_id: staffId, ring_seat: null, ring_deadline: null, answered_at: c.answered_at ?? now,
    }));
    await seatsRepo.busy(q, staffId, caseId, now);
    return c;
  });
}

/** The call dropped (network, app closed): the seat is freed and the party may resume. */
export async function dropCall(ctx: CoreContext, tenant: string, caseId: string, actor: string): Promise<CaseRow> {
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    const seat = c.seat_id;
    events.push(await transition(q, c, 'call.dropped', { seatId: seat }, actor, now, { interrupted_at: now, preferred_seat: seat, seat_id: null }));
    if (seat) await freeSeat(q, tenant, seat, now);
    return c;
  });
}

/** 继续处理: the party resumes a dropped call; the case queues at the front for its seat. */
export async function resumeCall(ctx: CoreContext, tenant: string, caseId: string): Promise<CaseRow> {
  const city = ctx.cities.get(tenant);
  const windowMs = (city.profile.queue?.resumeWindowSeconds ?? 600) * 1000;
  const c = await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    if (c.state === 'interrupted' && now.getTime() - new Date(c.interrupted_at!).getTime() > windowMs) {
      throw Errors.resumeWindowClosed(`the call dropped more than ${windowMs / 60000} minutes ago; please report again`, { state: c.state });
    }
    events.push(await transition(q, c, 'call.resumed', { preferredSeat: c.preferred_seat }, 'party', now, { queued_at: now, queue_priority: 1 }));
    return c;
  });
  await dispatchQueue(ctx, tenant);
  return c;
}

/** The party gives up while waiting. */
export async function abandonCase(ctx: CoreContext, tenant: string, caseId: string): Promise<CaseRow> {
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    const ringing = c.state === 'ringing' ? c.ring_seat : null;
    events.push(await transition(q, c, 'case.abandoned', { reason: 'party_left' }, 'party', now, { ring_seat: null, ring_deadline: null }));
    if (ringing) await freeSeat(q, tenant, ringing, now);
    return c;
  });
}

/** The timers of the queue, run by every process on an interval (and by tests with a set clock). */
export async function tick(ctx: CoreContext, tenant: string): Promise<void> {
  const city = ctx.cities.get(tenant);
  const windowMs = (city.profile.queue?.resumeWindowSeconds ?? 600) * 1000;
  await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const expired = await casesRepo.claimRingExpired(q, now);
    for (const c of expired) {
      const seat = c.ring_seat!;
      events.push(await transition(q, c, 'case.ring_timeout', { seatId: seat }, 'system', now, { ring_seat: null, ring_deadline: null }));
      // A seat that lets a call ring out is probably not at the desk: stop offering it calls.
      await seatsRepo.away(q, seat, now);
    }
    const lapsed = await casesRepo.claimLapsed(q, new Date(now.getTime() - windowMs));
    for (const c of lapsed) events.push(await transition(q, c, 'case.abandoned', { reason: 'resume_window_expired' }, 'system', now));
  });
  await dispatchQueue(ctx, tenant);
}

/** The seat is free again: available, idle from now. */
export async function freeSeat(q: Queryable, tenant: string, staffId: string, now: Date): Promise<void> {
  await seatsRepo.free(scoped(q, tenant), staffId, now);
}

/** Where a waiting case stands: 1 = next. */
export async function queuePosition(ctx: CoreContext, c: CaseRow): Promise<number | null> {
  if (c.state !== 'queued') return null;
  return (await casesRepo.ahead(tenantDb(ctx, c.tenant), c)) + 1;
}
