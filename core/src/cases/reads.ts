/**
 * What the HTTP layer reads about cases, seats and staff, through the tenant-bound access of
 * the request (db/tenantDb.ts): the lists of each actor, a case's record and its files.
 */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { CaseEvent } from '../events/caseEvent.ts';
import { casesRepo } from '../persistence/cases.ts';
import { caseEventsRepo } from '../persistence/caseEvents.ts';
import { determinationsRepo, documentByCode, type VerifiableDocument } from '../persistence/determinations.ts';
import type { Db } from '../db/db.ts';
import { reviewsRepo, type ReviewRow } from '../persistence/aftercare.ts';
import { evidenceRepo } from '../persistence/evidence.ts';
import { seatsRepo } from '../persistence/seats.ts';
import type { CaseRow } from './repository.ts';
import type { DeterminationRow } from './aftercare.ts';
import type { EvidenceRow } from './evidence.ts';

export const partyCases = (db: Q, phone: string): Promise<CaseRow[]> => casesRepo.ofParty(db, phone);
export const recentCases = (db: Q): Promise<CaseRow[]> => casesRepo.recent(db);
export const officerCases = (db: Q): Promise<CaseRow[]> => casesRepo.forOfficer(db);
export const waitingCases = (db: Q, brigadeId: string | null): Promise<CaseRow[]> => casesRepo.waiting(db, brigadeId);
/** A party's waiting cases and the one that just changed (live pushes). */
export const partyLiveCases = (db: Q, phone: string, changedId: string): Promise<CaseRow[]> => casesRepo.partyLive(db, phone, changedId);

/** A seat's own status (absent: not a seat). */
export async function seatState(db: Q, staffId: string): Promise<{ status: 'away' | 'available' | 'ringing' | 'busy'; case_id: string | null } | undefined> {
  return seatsRepo.get(db, staffId);
}

/** Everything recorded about a case besides its row and claims (deliveries/claims.ts); the evidence only when asked (staff see it). */
export async function caseRecord(db: Q, caseId: string, opts: { evidence: boolean }): Promise<{
  events: CaseEvent[]; determination: DeterminationRow | undefined; reviews: ReviewRow[]; evidence: EvidenceRow[];
}> {
  const events = await caseEventsRepo.ofCase(db, caseId);
  const determination = await determinationsRepo.get(db, caseId);
  const reviews = await reviewsRepo.ofCase(db, caseId);
  const evidence = opts.evidence ? await evidenceRepo.ofCase(db, caseId) : [];
  return { events, determination, reviews, evidence };
}

/** An e-determination by the code printed on it, whichever city issued it (the public /verify page). */
export const documentForVerification = (db: Db, code: string): Promise<VerifiableDocument | undefined> => documentByCode(db, code);

/** The checked type of a file this case holds; undefined when it holds none. */
export const caseFileContentType = (db: Q, caseId: string, sha256: string): Promise<string | undefined> => evidenceRepo.fileType(db, caseId, sha256);
