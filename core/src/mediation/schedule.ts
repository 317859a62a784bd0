/**
 * The clock of online mediation (线上调解室, issue 14), run on the server's periodic tick
 * (server.ts tickAll) for the tenants that offer mediation_rooms, on the server's clock:
 *
 *  - reminders: `reminderMinutes` (platform.mediation of the city profile, default 30) before the
 *    time, every invited person is reminded by SMS once — parties A and B, and the mediator's and
 *    insurers' people who took the case (accepted its invitation, or booked it) and have a phone.
 *    A booking made inside that lead gets none (its booking SMS just told the time).
 *  - no-shows: `noShowGraceMinutes` (default 15) after the time a booking never opened is a
 *    no-show (absent: the mediator); one opened (the grace counted from the later of the time and
 *    the opening) with no outcome and a party who never joined the room (a_joined_at / b_joined_at,
 *    media/roomReports.ts) is one too (absent: A and/or B). The case gets mediation.no_show, the
 *    parties and the mediator's people an SMS, and the mediator's desk offers "book again"
 *    (scheduleMediation: the new booking `replaces` it).
 *
 * Exactly once with several server processes: each booking is claimed by an UPDATE … WHERE
 * reminded_at IS NULL (or WHERE status is still scheduled/open) … RETURNING in the transaction that
 * queues its SMS into the outbox (and writes the event): a second process, or a second tick,
 * claims nothing. The SMS keys (sms:mediation-reminder|no-show:<id>:<phone>) would also refuse a repeat.
 */
import { inTx, tenantDb, type CoreContext } from '../context.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import { lockCase, transition, type CaseRow } from '../cases/repository.ts';
import { mediationsRepo, type MediationAbsent, type MediationRow } from '../persistence/mediations.ts';
import { offers } from '../platform/features.ts';
import type { CompiledCity } from '../policy/city.ts';
import { toLocal } from '../policy/localTime.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';
import type { MediationNoShowPayload } from '../generated/types.ts';

export const DEFAULT_REMINDER_MINUTES = 30;
export const DEFAULT_NO_SHOW_GRACE_MINUTES = 15;

/** The city's reminder lead and no-show grace, in minutes. */
export function mediationTiming(city: Pick<CompiledCity, 'profile'>): { reminderMinutes: number; noShowGraceMinutes: number } {
  const m = city.profile.platform?.mediation;
  return { reminderMinutes: m?.reminderMinutes ?? DEFAULT_REMINDER_MINUTES, noShowGraceMinutes: m?.noShowGraceMinutes ?? DEFAULT_NO_SHOW_GRACE_MINUTES };
}

/** "6月1日10:30", the booked time as the SMS say it. */
export function whenText(at: Date | string, timeZone: string): string {
  const t = toLocal(new Date(at), timeZone);
  return `${t.month}月${t.day}日${String(Math.floor(t.minute / 60)).padStart(2, '0')}:${String(t.minute % 60).padStart(2, '0')}`;
}

export interface MediationTickLog { warn(obj: object, msg?: string): void }
export interface MediationRound { reminded: number; noShows: number }

/** One round for a tenant: due reminders, then no-shows. Nothing for a city without mediation rooms. */
export async function mediationTick(ctx: CoreContext, tenant: string, log?: MediationTickLog): Promise<MediationRound> {
  const city = ctx.cities.get(tenant);
  if (!offers(city, 'mediation_rooms')) return { reminded: 0, noShows: 0 };
  return { reminded: await remindMediations(ctx, tenant, log), noShows: await markNoShows(ctx, tenant, log) };
}

/** Phones of the partner people of these organisations who took the case: accepted its invitation, or booked the mediation. */
async function partnerPhones(q: TenantQueryable, caseId: string, orgIds: readonly string[], bookedBy: string): Promise<string[]> {
  if (!orgIds.length) return [];
  const rows = await q.query<{ phone: string }>(
    `SELECT DISTINCT p.phone FROM partner_people p
      WHERE p.tenant = $1 AND p.org_id = ANY($3::uuid[]) AND p.phone IS NOT NULL AND p.disabled_at IS NULL
        AND ('partner:' || p.id::text = $4 OR EXISTS (SELECT 1 FROM room_invitations i WHERE i.tenant = p.tenant AND i.case_id = $2
              AND i.org_id = p.org_id AND i.revoked_at IS NULL AND i.used_by = 'partner:' || p.id::text))
      ORDER BY p.phone`, [q.tenant, caseId, orgIds, bookedBy]);
  return rows.map((r) => r.phone);
}

const partyPhones = (m: Pick<MediationRow, 'party_b_phone'>, c: Pick<CaseRow, 'party_phone' | 'party_b_phone'>) => {
  const b = m.party_b_phone ?? c.party_b_phone;
  return [...new Set([c.party_phone, ...(b ? [b] : [])])];
};

/** Queues the reminders that are due; the number of bookings reminded. */
export async function remindMediations(ctx: CoreContext, tenant: string, log?: MediationTickLog): Promise<number> {
  const city = ctx.cities.get(tenant);
  const { reminderMinutes } = mediationTiming(city);
  const due = await mediationsRepo.remindable(tenantDb(ctx, tenant), ctx.clock.now(), reminderMinutes);
  let reminded = 0;
  for (const { id } of due) {
    try {
      const sms = await inTx(ctx, tenant, async (q) => {
        const now = ctx.clock.now();
        if (!(await mediationsRepo.claimReminder(q, id, now, reminderMinutes))) return null;
        const m = (await mediationsRepo.get(q, id))!;
        const [c] = await q.query<Pick<CaseRow, 'number' | 'party_phone' | 'party_b_phone'>>('SELECT number, party_phone, party_b_phone FROM cases WHERE tenant = $1 AND id = $2', [tenant, m.case_id]);
        const when = whenText(m.starts_at, city.profile.timezone);
        const out: Array<string | null> = [];
        const parties = partyPhones(m, c!);
        const partyText = `提醒：您的事故（${c!.number}）线上调解将于${when}开始（${m.mediator_name ?? ''}）。请届时打开${city.profile.city.zh}事故快处，进入调解室。`;
        for (const to of parties) {
          out.push(await queueSms(q, { kind: 'other', params: { number: c!.number, time: when }, text: partyText, to, caseId: m.case_id, key: `sms:mediation-reminder:${id}:${to}`, at: now }));
        }
        const partnerText = `提醒：事故（${c!.number}）的线上调解将于${when}开始，请准时进入调解室。【${city.profile.city.zh}事故快处】`;
        for (const to of await partnerPhones(q, m.case_id, [m.mediator_org_id, ...m.insurer_org_ids], m.scheduled_by)) {
          if (parties.includes(to)) continue;
          out.push(await queueSms(q, { kind: 'other', params: { number: c!.number, time: when }, text: partnerText, to, caseId: m.case_id, key: `sms:mediation-reminder:${id}:${to}`, at: now }));
        }
        return out;
      });
      if (!sms) continue;
      reminded++;
      await sendSmsNow(ctx, tenant, sms);
    } catch (err) {
      log?.warn({ tenant, mediation: id, err: (err as Error).message }, 'mediation reminder not queued; the next tick tries again');
    }
  }
  return reminded;
}

const ABSENT_TEXT = (absent: readonly MediationAbsent[]) =>
  absent.includes('mediator') ? '调解室未开启' : absent.length === 2 ? '双方当事人未到场' : absent[0] === 'A' ? '甲方当事人未到场' : '乙方当事人未到场';

/** Marks the bookings that did not take place as no-shows; the number marked. */
export async function markNoShows(ctx: CoreContext, tenant: string, log?: MediationTickLog): Promise<number> {
  const city = ctx.cities.get(tenant);
  const { noShowGraceMinutes } = mediationTiming(city);
  const due = await mediationsRepo.noShows(tenantDb(ctx, tenant), ctx.clock.now(), noShowGraceMinutes);
  let marked = 0;
  for (const { id, case_id: caseId } of due) {
    try {
      const sms = await inTx(ctx, tenant, async (q, events) => {
        const now = ctx.clock.now();
        // The case first, as every mediation step locks it (an outcome recorded meanwhile wins: the claim then finds nothing).
        const c = await lockCase(q, tenant, caseId);
        const row = await mediationsRepo.claimNoShow(q, id, now, noShowGraceMinutes);
        if (!row) return null;
        const m = (await mediationsRepo.get(q, id))!;
        const absent = (m.no_show_absent ?? ['mediator']) as MediationNoShowPayload['absent'];
        events.push(await transition(q, c, 'mediation.no_show', {
          mediationId: id, startsAt: new Date(m.starts_at).toISOString(), reason: m.opened_at ? 'party_absent' : 'not_opened', absent,
        }, 'system', now));
        const when = whenText(m.starts_at, city.profile.timezone);
        const why = ABSENT_TEXT(absent);
        const out: Array<string | null> = [];
        const parties = partyPhones(m, c);
        const partyText = `您的事故（${c.number}）原定${when}的线上调解未能进行（${why}）。调解员将与您重新预约，届时以短信通知。`;
        for (const to of parties) {
          out.push(await queueSms(q, { kind: 'other', params: { number: c.number, time: when }, text: partyText, to, caseId: c.id, key: `sms:mediation-no-show:${id}:${to}`, at: now }));
        }
        const mediatorText = `事故（${c.number}）原定${when}的线上调解未能进行（${why}），请在调解员工作台重新预约。【${city.profile.city.zh}事故快处】`;
        for (const to of await partnerPhones(q, c.id, [m.mediator_org_id], m.scheduled_by)) {
          if (parties.includes(to)) continue;
          out.push(await queueSms(q, { kind: 'other', params: { number: c.number, time: when }, text: mediatorText, to, caseId: c.id, key: `sms:mediation-no-show:${id}:${to}`, at: now }));
        }
        return out;
      });
      if (!sms) continue;
      marked++;
      await sendSmsNow(ctx, tenant, sms);
    } catch (err) {
      log?.warn({ tenant, mediation: id, caseId, err: (err as Error).message }, 'mediation no-show not recorded; the next tick tries again');
    }
  }
  return marked;
}
