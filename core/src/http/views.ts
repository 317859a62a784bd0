/**
 * The wire form of a case: what a party, a seat or an officer may see. Rows never leak as-is.
 * Each view returns the type generated from its response schema (schemas/http/), so the type
 * check proves the views and the schemas agree; the routes name the same schemas, which
 * fastify serializes with (it writes only the properties a schema lists).
 */
import type { CoreContext } from '../context.ts';
import type { Principal } from '../auth/sessions.ts';
import type * as Wire from '../generated/types.ts';
import { caseEvents, type CaseRow } from '../cases/repository.ts';
import type { CaseEventType, CaseState } from '../cases/transitions.ts';
import { caseChecklist, listEvidence, verifyChain } from '../cases/evidence.ts';
import { getDetermination, reviewDeadline } from '../cases/aftercare.ts';
import { queuePosition } from '../cases/queue.ts';
import { maskName, maskPhone } from '../privacy/mask.ts';

/** True when A and B are the same union (the schema's enums and the lifecycle's lists). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The response schemas name exactly the lifecycle's states and events (transitions.ts): adding one means adding it there too.
export const schemaNamesEveryState: Same<CaseState, Wire.CaseState> = true;
export const schemaNamesEveryEvent: Same<CaseEventType, Wire.CaseEventType> = true;

export function caseSummary(c: CaseRow): Wire.CaseSummary {
  return {
    id: c.id, number: c.number, tenant: c.tenant, state: c.state, channel: c.channel, district: c.district, brigadeId: c.brigade_id,
    kind: c.report.kind, reportedAt: new Date(c.reported_at).toISOString(), updatedAt: new Date(c.updated_at).toISOString(),
    eligible: c.decision.eligible,
  };
}

/** What POST /api/cases answers: the case and the decision (reasons, fallback). */
export function reportedCase(c: CaseRow): Wire.ReportedCase {
  return { ...caseSummary(c), decision: c.decision };
}

export function claimView(x: { insurer_id: string; plate: string; claim_no: string; pushed_at: Date }): Wire.ClaimView {
  return { insurerId: x.insurer_id, plate: x.plate, claimNo: x.claim_no, pushedAt: new Date(x.pushed_at).toISOString() };
}

export async function caseView(ctx: CoreContext, c: CaseRow, who: Principal): Promise<Wire.CaseView> {
  const city = ctx.cities.get(c.tenant);
  const [events, det, claims, reviews] = await Promise.all([
    caseEvents(ctx.db, c.tenant, c.id),
    getDetermination(ctx, c.tenant, c.id),
    ctx.db.query<{ insurer_id: string; plate: string; claim_no: string; pushed_at: Date }>('SELECT insurer_id, plate, claim_no, pushed_at FROM claims WHERE tenant = $1 AND case_id = $2 ORDER BY pushed_at', [c.tenant, c.id]),
    ctx.db.query<{ id: string; reason: string; requested_at: Date; outcome: 'upheld' | 'revised' | null; decided_at: Date | null }>('SELECT id, reason, requested_at, outcome, decided_at FROM reviews WHERE tenant = $1 AND case_id = $2 ORDER BY requested_at', [c.tenant, c.id]),
  ]);
  const view: Wire.CaseView = {
    ...caseSummary(c),
    decision: c.decision,
    location: c.report.location,
    queuePosition: await queuePosition(ctx, c),
    timeline: events.map((e) => ({ seq: e.seq, type: e.type, at: e.at })),
    determination: det ? {
      number: det.number,
      issuedAt: new Date(det.issued_at).toISOString(),
      servedAt: det.served_at && new Date(det.served_at).toISOString(),
      parties: det.parties.map((p) => ({ name: maskName(p.name), plate: p.plate, liability: p.liability, faultBehaviour: p.faultBehaviour, insurerId: p.insurerId ?? null })),
      facts: det.facts,
      documentUrl: `/api/cases/${c.id}/document.pdf`,
      verifyUrl: `${ctx.publicUrl}/verify/${det.verify_code}`,
      reviewDeadline: det.served_at && reviewDeadline(new Date(det.served_at), city.profile.timezone, city.profile.review.windowDays).toISOString(),
    } : null,
    reviews: reviews.map((r) => ({ id: r.id, reason: r.reason, requestedAt: new Date(r.requested_at).toISOString(), outcome: r.outcome, decidedAt: r.decided_at && new Date(r.decided_at).toISOString() })),
    claims: claims.map(claimView),
  };
  if (!who.staff) return view;
  const items = await listEvidence(ctx.db, c.tenant, c.id);
  return {
    ...view,
    partyPhone: maskPhone(c.party_phone),
    report: c.report,
    seatId: c.seat_id,
    checklist: await caseChecklist(ctx, c),
    evidence: items.map((e): Wire.EvidenceView => ({
      id: e.id, seq: e.seq, item: e.item, kind: e.kind, data: e.data, supersedes: e.supersedes, hash: e.hash, createdBy: e.created_by,
      createdAt: new Date(e.created_at).toISOString(),
      file: e.file_sha256 ? { sha256: e.file_sha256, contentType: e.content_type ?? 'application/octet-stream', size: e.size ?? 0, url: `/api/cases/${c.id}/files/${e.file_sha256}` } : null,
    })),
    chain: verifyChain(items),
  };
}

/** A seat's view of its queue: its own status and the waiting cases, its brigade's first. */
export async function seatQueueView(ctx: CoreContext, tenant: string, staffId: string, brigadeId: string | null): Promise<Wire.SeatQueue> {
  const [me] = await ctx.db.query<{ status: Wire.SeatStatus; case_id: string | null }>('SELECT status, case_id FROM seats WHERE tenant = $1 AND staff_id = $2', [tenant, staffId]);
  const waiting = await ctx.db.query<CaseRow>(
    "SELECT * FROM cases WHERE tenant = $1 AND state IN ('queued', 'ringing') ORDER BY (brigade_id = $2) DESC, queue_priority DESC, queued_at LIMIT 100", [tenant, brigadeId]);
  const now = ctx.clock.now().getTime();
  return {
    seat: { status: me?.status ?? 'away', caseId: me?.case_id ?? null, brigadeId },
    waiting: waiting.map((c) => ({
      ...caseSummary(c), waitSeconds: Math.max(0, Math.round((now - new Date(c.queued_at ?? c.reported_at).getTime()) / 1000)),
      ringingHere: c.ring_seat === staffId, ownBrigade: c.brigade_id === brigadeId,
    })),
  };
}
