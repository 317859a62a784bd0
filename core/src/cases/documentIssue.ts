/**
 * The e-determination's PDF, rendered after the determination commits (issue 15): rendering
 * takes 0.2–0.5 s, which inside the issuing transaction held the case row and a database
 * connection that long. The determination row (content, its hash, the verification code) and
 * `case.determined` commit first; then the PDF is rendered from the stored content, stored, and
 * its hash recorded; only then is the case served (the SMS names the document). Until then the
 * document is "being prepared" (document_sha256 NULL): its route answers 503 with Retry-After.
 *
 * A process that stops between the commit and the service leaves the determination unfinished;
 * the queue's beat (any process) finishes it once it is a minute old, so it never races the
 * request that is finishing it now.
 */
import { tenantDb, type CoreContext } from '../context.ts';
import { determinationsRepo } from '../persistence/determinations.ts';
import { renderDeterminationPdf } from '../documents/determinationPdf.ts';
import type { DeterminationContent } from '../documents/verification.ts';
import { Errors } from '../errors.ts';

/** How old an unfinished determination must be before the beat takes it over from its request. */
const TAKE_OVER_AFTER_MS = 60_000;

/** Renders and stores the PDF of the case's determination, unless it is stored already. Returns its SHA-256. */
export async function prepareDocument(ctx: CoreContext, tenant: string, caseId: string): Promise<string> {
  const db = tenantDb(ctx, tenant);
  const d = await determinationsRepo.forDocument(db, caseId);
  if (!d) throw Errors.caseNotFound();
  if (d.document_sha256) return d.document_sha256;
  // The stored content is what was hashed and coded: the PDF prints exactly that (dates revived from their ISO text).
  const content: DeterminationContent = { ...d.content, issuedAt: new Date(d.content.issuedAt), accident: { ...d.content.accident, time: new Date(d.content.accident.time) } };
  const pdf = await renderDeterminationPdf({ ...content, verification: { url: `${ctx.publicUrl}/verify/${d.verify_code}`, code: d.verify_code } });
  const file = await ctx.files.put(pdf, 'application/pdf');
  if (await determinationsRepo.setDocument(db, caseId, d.number, file.sha256)) return file.sha256;
  // Another process recorded its rendering first (or the case was determined again meanwhile): theirs stands.
  const now = await determinationsRepo.forDocument(db, caseId);
  return now?.document_sha256 ?? file.sha256;
}

/**
 * Finishes determinations left unfinished (no PDF, or not served) by a process that stopped.
 * `serve` is the case service's (passed in: it lives in determination.ts, which imports this file).
 */
export async function finishDeterminations(ctx: CoreContext, tenant: string, serve: (ctx: CoreContext, tenant: string, caseId: string) => Promise<unknown>): Promise<number> {
  const before = new Date(ctx.clock.now().getTime() - TAKE_OVER_AFTER_MS);
  const rows = await determinationsRepo.unfinished(tenantDb(ctx, tenant), before);
  let done = 0;
  for (const r of rows) {
    if (!r.document_sha256) await prepareDocument(ctx, tenant, r.case_id);
    // Served only while the case waits for it (a case determined again later is served by its own request).
    if (!r.served_at) await serve(ctx, tenant, r.case_id);
    done++;
  }
  return done;
}
