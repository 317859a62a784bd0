/**
 * Leaving the scene (撤离) and escalation (转现场处置). Leaving is allowed only with the
 * checklist complete, recounted here for every party and vehicle of the case (a correction
 * after the case was marked complete can make it incomplete again); escalation is allowed any
 * time before leaving.
 */
import type { CoreContext } from '../context.ts';
import { inTx } from '../context.ts';
import { Errors } from '../errors.ts';
import { freeSeat } from './queue.ts';
import { caseChecklist } from './evidence.ts';
import { escalationSms, evacuateSms } from '../sms/messages.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';
import { missingLines } from './checklist.ts';
import { assertAllowed, lockCase, transition, type CaseRow } from './repository.ts';

export async function evacuate(ctx: CoreContext, tenant: string, caseId: string, staffId: string): Promise<CaseRow> {
  const { c, sms } = await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    if (c.state !== 'in_call') assertAllowed(c, 'case.evacuated');
    const missing = missingLines((await caseChecklist(ctx, c, q)).lines);
    if (missing.length) {
      throw Errors.checklistIncomplete(`the evidence checklist is not complete: ${missing.map((m) => `${m.label} ${m.have}/${m.min}`).join('、')}`, { state: c.state, missing });
    }
    const onSceneSeconds = (now.getTime() - new Date(c.reported_at).getTime()) / 1000;
    events.push(await transition(q, c, 'case.evacuated', { seatId: staffId, onSceneSeconds }, `seat:${staffId}`, now));
    if (c.seat_id) await freeSeat(q, tenant, c.seat_id, now);
    const sms = await queueSms(q, { ...evacuateSms(ctx.cities.get(tenant), c.number), to: c.party_phone, caseId: c.id, key: `sms:evacuate:${c.id}:${c.party_phone}`, at: now });
    return { c, sms };
  });
  await sendSmsNow(ctx, tenant, [sms]);
  return c;
}

export async function escalate(ctx: CoreContext, tenant: string, caseId: string, actor: string, reason: string): Promise<CaseRow> {
  const { c, sms } = await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    assertAllowed(c, 'case.escalated');
    // Dispatch inside the transaction: if dispatch fails the case stays where it was, not lost between.
    const ticket = await ctx.ports.get(tenant, 'dispatch').dispatchOnsite({ tenant, caseId, brigadeId: c.brigade_id, location: c.report.location, reason });
    const seat = c.seat_id ?? c.ring_seat;
    events.push(await transition(q, c, 'case.escalated', { reason, by: actor, ticket: ticket.ticket }, actor, now, { ring_seat: null, ring_deadline: null }));
    if (seat) await freeSeat(q, tenant, seat, now);
    const sms = await queueSms(q, { ...escalationSms(c.number), to: c.party_phone, caseId: c.id, key: `sms:escalation:${c.id}:${c.party_phone}`, at: now });
    return { c, sms };
  });
  await sendSmsNow(ctx, tenant, [sms]);
  return c;
}
