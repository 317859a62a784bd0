/**
 * What the case side puts into the deliveries outbox, and how a claim's delivery reads back:
 * - the party's one tap (定损理赔) queues one claim per vehicle with an insurer;
 * - in claims.mode realtime (Kunming) the determination is queued for the insurers of the
 *   case's vehicles in the transaction that serves it — only those: an insurer of no vehicle
 *   of the case has no business with the parties' data.
 * Idempotency keys name what is sent, so a second tap or a repeated serve queues nothing new:
 * claim:<case>:<insurer>:<plate>, determination:<case>:<number>:<insurer>:<plate>, the plate
 * percent-encoded (keys travel as an HTTP header, which is ASCII) (a
 * determination re-issued after review has a new number and is shared again).
 */
import type { TenantQueryable } from '../db/tenantDb.ts';
import type { DeterminationRow } from '../cases/aftercare.ts';
import type { CaseRow } from '../cases/repository.ts';
import type { ClaimPush } from '../ports/insurer.ts';
import { claimsRepo } from '../persistence/aftercare.ts';
import { deliveriesRepo, type DeliveryKind, type DeliveryStatus } from './store.ts';

type Det = Pick<DeterminationRow, 'number' | 'verify_code' | 'parties'>;

function pushes(c: Pick<CaseRow, 'id' | 'tenant' | 'party_phone'>, d: Det, publicUrl: string): ClaimPush[] {
  return d.parties.filter((p) => p.insurerId).map((p) => ({
    tenant: c.tenant, caseId: c.id, insurerId: p.insurerId!, plate: p.plate, determinationNo: d.number,
    documentUrl: `${publicUrl}/verify/${d.verify_code}`, phone: p.phone ?? c.party_phone, liability: p.liability,
  }));
}

/** Queues what is not queued yet; returns how many were queued now. */
async function enqueueAll(q: TenantQueryable, kind: DeliveryKind, list: ClaimPush[], keyOf: (p: ClaimPush) => string, actor: string, at: Date): Promise<number> {
  let n = 0;
  for (const p of list) {
    if (await deliveriesRepo.enqueue(q, { kind, caseId: p.caseId, target: p.insurerId, plate: p.plate, key: keyOf(p), payload: p, actor, at })) n++;
  }
  return n;
}

/** The one tap: a claim per vehicle with an insurer (already pushed or queued ones are kept as they are). */
export function enqueueClaims(q: TenantQueryable, c: Pick<CaseRow, 'id' | 'tenant' | 'party_phone'>, d: Det, publicUrl: string, actor: string, at: Date): Promise<number> {
  return enqueueAll(q, 'claim', pushes(c, d, publicUrl), (p) => `claim:${p.caseId}:${p.insurerId}:${encodeURIComponent(p.plate)}`, actor, at);
}

/** claims.mode realtime: the determination as served, to the insurers of the case's vehicles. */
export function enqueueDeterminationShares(q: TenantQueryable, c: Pick<CaseRow, 'id' | 'tenant' | 'party_phone'>, d: Det, publicUrl: string, at: Date): Promise<number> {
  return enqueueAll(q, 'determination', pushes(c, d, publicUrl), (p) => `determination:${p.caseId}:${p.determinationNo}:${p.insurerId}:${encodeURIComponent(p.plate)}`, 'system', at);
}

/** A vehicle's claim as the party and the seat see it: its delivery status, and its number once delivered. */
export interface ClaimStatusRow {
  insurer_id: string;
  plate: string;
  claim_no: string | null;
  pushed_at: Date | null;
  /** expired and maybe_sent are SMS statuses: a claim never has them. */
  status: Exclude<DeliveryStatus, 'expired' | 'maybe_sent'>;
  attempts: number;
}

/** Every claim of a case: delivered ones (claims) and those still in the outbox, by insurer and plate. */
export async function claimStatuses(q: TenantQueryable, caseId: string): Promise<ClaimStatusRow[]> {
  const [claims, deliveries] = await Promise.all([claimsRepo.ofCase(q, caseId), deliveriesRepo.ofCase(q, caseId, 'claim')]);
  const out: ClaimStatusRow[] = claims.map((c) => {
    const d = deliveries.find((x) => x.target === c.insurer_id && x.plate === c.plate);
    return { ...c, status: 'delivered', attempts: d?.attempts ?? 1 };
  });
  for (const d of deliveries) {
    if (claims.some((c) => c.insurer_id === d.target && c.plate === d.plate)) continue;
    out.push({ insurer_id: d.target, plate: d.plate, claim_no: null, pushed_at: null, status: d.status as ClaimStatusRow['status'], attempts: d.attempts });
  }
  return out;
}
