/**
 * The wire form of a case: what a party, a seat or an officer may see. Rows never leak as-is.
 * Each view returns the type generated from its response schema (schemas/http/), so the type
 * check proves the views and the schemas agree; the routes name the same schemas, which
 * fastify serializes with (it writes only the properties a schema lists).
 */
import { tenantDb, type CoreContext } from '../context.ts';
import type { Principal } from '../auth/sessions.ts';
import type * as Wire from '../generated/types.ts';
import type { CaseRow } from '../cases/repository.ts';
import type { CaseEventType, CaseState } from '../cases/transitions.ts';
import { verifyChain } from '../cases/evidence.ts';
import { checklist, isComplete } from '../cases/checklist.ts';
import { reviewDeadline } from '../cases/aftercare.ts';
import { caseRecord, seatState, waitingCases } from '../cases/reads.ts';
import { claimStatuses, type ClaimStatusRow } from '../deliveries/claims.ts';
import { queuePosition } from '../cases/queue.ts';
import { maskName, maskPhone } from '../privacy/mask.ts';
import { seatRosterState } from '../roster/rosterService.ts';

/** True when A and B are the same union (the schema's enums and the lifecycle's lists). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The response schemas name exactly the lifecycle's states and events (transitions.ts): adding one means adding it there too.
export const schemaNamesEveryState: Same<CaseState, Wire.CaseState> = true;
export const schemaNamesEveryEvent: Same<CaseEventType, Wire.CaseEventType> = true;

export function caseSummary(c: CaseRow): Wire.CaseSummary {
  return {
    id: c.id, number: c.number, tenant: c.tenant, state: c.state, channel: c.channel, district: c.district, brigadeId: c.brigade_id,
    kind: c.report.kind, reportedAt: new Date(c.reported_at).toISOString(), updatedAt: new Date(c.updated_at).toISOString(),
    eligible: c.decision.eligible, path: c.path ?? 'video',
  };
}

/** What POST /api/cases answers: the case and the decision (reasons, fallback). */
export function reportedCase(c: CaseRow): Wire.ReportedCase {
  return { ...caseSummary(c), decision: c.decision };
}

export function claimView(x: ClaimStatusRow): Wire.ClaimView {
  return { insurerId: x.insurer_id, plate: x.plate, claimNo: x.claim_no, pushedAt: x.pushed_at && new Date(x.pushed_at).toISOString(), status: x.status, attempts: x.attempts };
}

export async function caseView(ctx: CoreContext, c: CaseRow, who: Principal): Promise<Wire.CaseView> {
  const city = ctx.cities.get(c.tenant);
  // One transaction: the parts of the record agree with each other.
  const { events, determination: det, reviews, evidence: items, claims } = await tenantDb(ctx, c.tenant).tx(async (q) => ({
    ...(await caseRecord(q, c.id, { evidence: !!who.staff })),
    claims: await claimStatuses(q, c.id),
  }));
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
      // An agreement (the photo path's 自行协商协议书) has no review window.
      reviewDeadline: det.kind === 'agreement' ? null : det.served_at && reviewDeadline(new Date(det.served_at), city.profile.timezone, city.profile.review.windowDays).toISOString(),
      kind: det.kind ?? 'determination',
    } : null,
    reviews: reviews.map((r) => ({ id: r.id, reason: r.reason, requestedAt: new Date(r.requested_at).toISOString(), outcome: r.outcome, decidedAt: r.decided_at && new Date(r.decided_at).toISOString() })),
    // Each claim with its delivery status (queued, delivered, failed, dead): core/src/deliveries.
    claims: claims.map(claimView),
  };
  if (!who.staff) return view;
  const lines = checklist(city.profile.evidence.checklist, items, c.report);
  return {
    ...view,
    partyPhone: maskPhone(c.party_phone),
    report: c.report,
    seatId: c.seat_id,
    profileVersion: c.profile_version ?? null,
    checklist: { lines, complete: isComplete(lines) },
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
  const db = tenantDb(ctx, tenant);
  const me = await seatState(db, staffId);
  const waiting = await waitingCases(db, brigadeId);
  const now = ctx.clock.now().getTime();
  return {
    seat: { status: me?.status ?? 'away', caseId: me?.case_id ?? null, brigadeId },
    roster: await seatRosterState(ctx, tenant, staffId),
    waiting: waiting.map((c) => ({
      ...caseSummary(c), waitSeconds: Math.max(0, Math.round((now - new Date(c.queued_at ?? c.reported_at).getTime()) / 1000)),
      ringingHere: c.ring_seat === staffId, ownBrigade: c.brigade_id === brigadeId,
    })),
  };
}
