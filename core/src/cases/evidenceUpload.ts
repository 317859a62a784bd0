/**
 * A photo or clip as an evidence item. Everything that can refuse it on its own — the item
 * (on the checklist, takes a file) and the bytes (a whole, decodable file of the type they
 * claim) — is asked before the file is written; if the item is then refused in the case's
 * transaction (the case moved on), the file is removed again unless another item holds the
 * same bytes. Either way a refusal leaves no orphan in the store.
 */
import type { CoreContext } from '../context.ts';
import type { StoredFile } from '../ports/files.ts';
import { checkUpload } from '../files/decode.ts';
import { fileHeldAnywhere } from '../persistence/evidence.ts';
import { addEvidence, evidenceItemKind, type EvidenceRow } from './evidence.ts';

export async function addEvidenceFile(
  ctx: CoreContext, tenant: string, caseId: string, actor: string,
  input: { item: string; bytes: Uint8Array; filename: string },
): Promise<{ row: EvidenceRow; stored: StoredFile }> {
  evidenceItemKind(ctx, tenant, { item: input.item, hasFile: true });
  const type = await checkUpload(input.bytes);
  const stored = await ctx.files.put(input.bytes, type);
  try {
    const row = await addEvidence(ctx, tenant, caseId, actor, { item: input.item, file: stored, data: { filename: Array.from(input.filename).slice(0, 120).join('') } });
    return { row, stored };
  } catch (err) {
    if (!(await fileHeldAnywhere(ctx.db, stored.sha256))) await ctx.files.remove(stored.sha256);
    throw err;
  }
}
