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
import { inTx } from '../context.ts';
import { Errors } from '../errors.ts';
import { localMidnightUtc, toLocal } from '../policy/localTime.ts';
import { lockCase, transition, type CaseRow } from './repository.ts';

export interface DeterminationRow {
  tenant: string;
  case_id: string;
  number: string;
  parties: Array<{ name: string; plate: string; phone?: string; insurerId?: string; liability: LiabilityGrade; faultBehaviour: string }>;
  facts: string;
  chain_head: string;
  document_sha256: string;
  verify_code: string;
  issued_by: string;
  issued_at: Date;
  served_at: Date | null;
}

export async function getDetermination(ctx: CoreContext, tenant: string, caseId: string): Promise<DeterminationRow | undefined> {
  const [d] = await ctx.db.query<DeterminationRow>('SELECT * FROM determinations WHERE tenant = $1 AND case_id = $2', [tenant, caseId]);
  return d;
}

/** The instant the review window closes for a document served at `servedAt`. */
export function reviewDeadline(servedAt: Date, timeZone: string, windowDays: number): Date {
  return localMidnightUtc(toLocal(servedAt, timeZone), timeZone, windowDays + 1);
}

export async function requestReview(ctx: CoreContext, tenant: string, caseId: string, phone: string, reason: string): Promise<{ id: string; deadline: Date }> {
  const city = ctx.cities.get(tenant);
  return inTx(ctx, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    const [d] = await q.query<DeterminationRow>('SELECT * FROM determinations WHERE tenant = $1 AND case_id = $2', [tenant, caseId]);
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
    await q.query('INSERT INTO reviews (tenant, case_id, id, party_phone, reason, requested_at) VALUES ($1, $2, $3, $4, $5, $6)', [tenant, caseId, id, phone, reason, now]);
    events.push(await transition(q, c, 'review.requested', { reviewId: id, deadline: deadline.toISOString() }, 'party', now));
    return { id, deadline };
  });
}

export async function decideReview(ctx: CoreContext, tenant: string, caseId: string, officerId: string, reviewId: string, outcome: 'upheld' | 'revised'): Promise<CaseRow> {
  return inTx(ctx, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    const [r] = await q.query('UPDATE reviews SET decided_at = $4, decided_by = $5, outcome = $6 WHERE tenant = $1 AND case_id = $2 AND id = $3 AND decided_at IS NULL RETURNING id', [tenant, caseId, reviewId, now, officerId, outcome]);
    if (!r) throw Errors.notFound('no open review with that id');
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
  await inTx(ctx, async (q, events) => {
    const now = ctx.clock.now();
    const candidates = await q.query<CaseRow & { determination_served_at: Date }>(
      `SELECT c.*, d.served_at AS determination_served_at FROM cases c
       JOIN determinations d ON d.tenant = c.tenant AND d.case_id = c.id
       WHERE c.tenant = $1 AND c.state IN ('served', 'reviewed', 'claim_pushed') AND d.served_at <= $2
       ORDER BY d.served_at LIMIT 200 FOR UPDATE OF c SKIP LOCKED`,
      [tenant, new Date(now.getTime() - windowDays * 86_400_000)],
    );
    for (const { determination_served_at: servedAt, ...c } of candidates) {
      if (now < reviewDeadline(new Date(servedAt), city.profile.timezone, windowDays)) continue;
      events.push(await transition(q, c, 'case.closed', {}, 'system', now));
    }
  });
}

export interface ClaimRow {
  insurer_id: string;
  plate: string;
  claim_no: string;
  pushed_at: Date;
}

/**
 * One tap: the determination goes to the 交强险 insurer of each vehicle that has one. Pushes
 * already made are not repeated (a second tap returns the same claims).
 */
export async function pushClaims(ctx: CoreContext, tenant: string, caseId: string, actor: string): Promise<ClaimRow[]> {
  const insurer = ctx.ports.get(tenant, 'insurer');
  const d = await getDetermination(ctx, tenant, caseId);
  if (!d?.served_at) throw Errors.transitionNotAllowed('the determination has not been served yet');
  const c0 = await ctx.db.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND id = $2', [tenant, caseId]);
  const done = await ctx.db.query<ClaimRow>('SELECT insurer_id, plate, claim_no, pushed_at FROM claims WHERE tenant = $1 AND case_id = $2', [tenant, caseId]);
  const pending = d.parties.filter((p) => p.insurerId && !done.some((x) => x.insurer_id === p.insurerId && x.plate === p.plate));
  if (!pending.length && !done.length) throw Errors.validation('no vehicle of this case has an insurer on record');
  for (const p of pending) {
    const receipt = await insurer.pushClaim({
      tenant, caseId, insurerId: p.insurerId!, plate: p.plate, determinationNo: d.number,
      documentUrl: `${ctx.publicUrl}/verify/${d.verify_code}`, phone: p.phone ?? c0[0]!.party_phone, liability: p.liability,
    });
    await inTx(ctx, async (q, events) => {
      const now = ctx.clock.now();
      const c = await lockCase(q, tenant, caseId);
      const [ins] = await q.query('INSERT INTO claims (tenant, case_id, insurer_id, plate, claim_no, pushed_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING claim_no', [
        tenant, caseId, p.insurerId, p.plate, receipt.claimNo, now,
      ]);
      if (ins) events.push(await transition(q, c, 'claim.pushed', { insurerId: p.insurerId!, plate: p.plate, claimNo: receipt.claimNo }, actor, now));
    });
  }
  return ctx.db.query<ClaimRow>('SELECT insurer_id, plate, claim_no, pushed_at FROM claims WHERE tenant = $1 AND case_id = $2 ORDER BY pushed_at', [tenant, caseId]);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
