/**
 * After service: review (复核) and claims (定损理赔).
 *
 * Review: a party may apply in writing within `review.windowDays` full days after the day of
 * service, counted in the city's time zone (the day of service itself is not counted, as the
 * law counts periods): served on 1 June, a 3-day window closes at 00:00 on 5 June local time.
 */
import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import type { LiabilityGrade } from '../generated/types.ts';
import { inTx, tenantDb } from '../context.ts';
import { casesRepo } from '../persistence/cases.ts';
import { determinationsRepo } from '../persistence/determinations.ts';
import { reviewsRepo, type ClaimRow } from '../persistence/aftercare.ts';
import { Errors } from '../errors.ts';
import { localMidnightUtc, toLocal } from '../policy/localTime.ts';
import { assertAllowed, lockCase, transition, type CaseRow } from './repository.ts';
import { claimStatuses, enqueueClaims, type ClaimStatusRow } from '../deliveries/claims.ts';
import { deliverDue } from '../deliveries/worker.ts';

export interface DeterminationRow {
  tenant: string;
  case_id: string;
  number: string;
  parties: Array<{ name: string; plate: string; phone?: string; insurerId?: string; liability: LiabilityGrade; faultBehaviour: string }>;
  facts: string;
  chain_head: string;
  /** null while the PDF is being prepared (rendered after the determination commits: documentIssue.ts). */
  document_sha256: string | null;
  verify_code: string;
  /** The officer; null for the parties' own agreement (photo path). */
  issued_by: string | null;
  issued_at: Date;
  served_at: Date | null;
  /** determination, or the photo path's self-negotiated agreement (010_photo_path.sql). */
  kind: 'determination' | 'agreement';
}

export async function getDetermination(ctx: CoreContext, tenant: string, caseId: string): Promise<DeterminationRow | undefined> {
  return determinationsRepo.get(tenantDb(ctx, tenant), caseId);
}

/** The instant the review window closes for a document served at `servedAt`. */
export function reviewDeadline(servedAt: Date, timeZone: string, windowDays: number): Date {
  return localMidnightUtc(toLocal(servedAt, timeZone), timeZone, windowDays + 1);
}

export async function requestReview(ctx: CoreContext, tenant: string, caseId: string, phone: string, reason: string): Promise<{ id: string; deadline: Date }> {
  const city = ctx.cities.get(tenant);
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    const d = await determinationsRepo.get(q, caseId);
    if (!d?.served_at) throw Errors.transitionNotAllowed('there is no served determination to review yet', { state: c.state });
    const deadline = reviewDeadline(new Date(d.served_at), city.profile.timezone, city.profile.review.windowDays);
    if (now >= deadline) {
      const local = toLocal(new Date(deadline.getTime() - 60_000), city.profile.timezone);
      throw Errors.reviewWindowClosed(
        `复核申请期限已过：须在送达之日起${city.profile.review.windowDays}日内（截至 ${local.year}-${pad(local.month)}-${pad(local.day)} 24:00）提出。The review window closed at the end of ${local.year}-${pad(local.month)}-${pad(local.day)} (${city.profile.timezone}).`,
        { deadline: deadline.toISOString() },
      );
    }
    const id = randomUUID();
    await reviewsRepo.insert(q, { caseId, id, phone, reason, at: now });
    events.push(await transition(q, c, 'review.requested', { reviewId: id, deadline: deadline.toISOString() }, 'party', now));
    return { id, deadline };
  });
}

export async function decideReview(ctx: CoreContext, tenant: string, caseId: string, officerId: string, reviewId: string, outcome: 'upheld' | 'revised'): Promise<CaseRow> {
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    if (!(await reviewsRepo.decide(q, caseId, reviewId, officerId, outcome, now))) throw Errors.notFound('no open review with that id');
    events.push(await transition(q, c, 'review.decided', { reviewId, outcome }, `officer:${officerId}`, now));
    return c;
  });
}

/**
 * 结案: a served determination is final once its review window has closed with no review open
 * (a decided review is final too), and the case closes. Run by the tick; the window is at
 * least `windowDays` whole days, so only cases served before that are looked at.
 */
export async function closeFinalCases(ctx: CoreContext, tenant: string): Promise<void> {
  const city = ctx.cities.get(tenant);
  const { windowDays } = city.profile.review;
  await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const candidates = await casesRepo.claimClosable(q, new Date(now.getTime() - windowDays * 86_400_000));
    for (const { determination_served_at: servedAt, ...c } of candidates) {
      if (now < reviewDeadline(new Date(servedAt), city.profile.timezone, windowDays)) continue;
      events.push(await transition(q, c, 'case.closed', {}, 'system', now));
    }
  });
}

export type { ClaimRow };

/**
 * One tap: the determination goes to the 交强险 insurer of each vehicle that has one, through
 * the deliveries outbox (core/src/deliveries): queued in one transaction, tried at once, and
 * retried in the background while an insurer is down. Pushes already made or queued are not
 * repeated (a second tap returns the same claims). Each claim says its delivery status.
 */
export async function pushClaims(ctx: CoreContext, tenant: string, caseId: string, actor: string): Promise<ClaimStatusRow[]> {
  ctx.ports.get(tenant, 'insurer');
  const d = await getDetermination(ctx, tenant, caseId);
  if (!d?.served_at) throw Errors.transitionNotAllowed('the determination has not been served yet');
  const db = tenantDb(ctx, tenant);
  const known = await claimStatuses(db, caseId);
  const pending = d.parties.filter((p) => p.insurerId && !known.some((x) => x.insurer_id === p.insurerId && x.plate === p.plate));
  if (!pending.length && !known.length) throw Errors.validation('no vehicle of this case has an insurer on record');
  if (pending.length) {
    await inTx(ctx, tenant, async (q) => {
      const c = await lockCase(q, tenant, caseId);
      assertAllowed(c, 'claim.pushed');
      await enqueueClaims(q, c, d, ctx.publicUrl, actor, ctx.clock.now());
    });
    await deliverDue(ctx, tenant, { caseId });
  }
  return claimStatuses(db, caseId);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
