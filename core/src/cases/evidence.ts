/**
 * Evidence (取证): append-only items, each chained to the previous item's hash of its case,
 * so altering or removing any item breaks every hash after it. Corrections are new items
 * that supersede old ones. The checklist comes from the city profile (counted in checklist.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import type { EvidenceItem } from '../generated/types.ts';
import { Errors } from '../errors.ts';
import { inTx, tenantDb, type CoreContext } from '../context.ts';
import { scoped } from '../db/tenantDb.ts';
import { evidenceRepo } from '../persistence/evidence.ts';
import { getCase, lockCase, transition, type CaseRow } from './repository.ts';
import { checklist, isComplete, type ChecklistLine } from './checklist.ts';

export const GENESIS = '0'.repeat(64);

/** Items outside the checklist that every case may carry. */
export const EXTRA_ITEMS = ['recording', 'note', 'other'] as const;

/** States in which the seat gathers evidence; any item may be added. */
const GATHERING: readonly string[] = ['in_call', 'interrupted', 'evidence_complete'];
/**
 * Items that may come after the call, while the file is still open (the transition table allows
 * evidence until the officer determines): the call's recording, stored by the media plugin when
 * a part of the call ends, which may be just after the case moved on (resumed and queued, left
 * the scene, escalated, abandoned); and the seat's after-call notes (话后备注).
 */
const LATE_ITEMS: readonly string[] = ['recording', 'note'];

export interface EvidenceRow {
  tenant: string;
  case_id: string;
  seq: number;
  id: string;
  item: string;
  kind: EvidenceItem['kind'];
  file_sha256: string | null;
  content_type: string | null;
  size: number | null;
  data: Record<string, unknown>;
  supersedes: string | null;
  prev_hash: string;
  hash: string;
  created_by: string;
  created_at: Date;
}

export interface NewEvidence {
  item: string;
  data?: Record<string, unknown>;
  file?: { sha256: string; contentType: string; size: number };
  supersedes?: string;
  /** Set only by the automatic checks (checks.ts): a check line's result comes from the registry or OCR, never from a person. */
  byCheck?: boolean;
}

/** The hash of an item: SHA-256 over the previous hash and the item's canonical content. */
export function evidenceHash(prevHash: string, e: Pick<EvidenceRow, 'seq' | 'id' | 'item' | 'kind' | 'file_sha256' | 'data' | 'supersedes' | 'created_by'> & { created_at: Date | string }): string {
  const content = canonical({
    seq: e.seq, id: e.id, item: e.item, kind: e.kind, file: e.file_sha256, data: e.data, supersedes: e.supersedes,
    by: e.created_by, at: new Date(e.created_at).toISOString(),
  });
  return createHash('sha256').update(prevHash).update(content).digest('hex');
}

/**
 * The kind of an item a person (or a check) may add to a tenant's cases; throws 400 otherwise.
 * The upload route asks this before it stores the file, so a refused item leaves no file behind.
 */
export function evidenceItemKind(ctx: CoreContext, tenant: string, input: Pick<NewEvidence, 'item' | 'byCheck'> & { hasFile: boolean }): EvidenceItem['kind'] {
  const city = ctx.cities.get(tenant);
  const spec = city.profile.evidence.checklist.find((i) => i.id === input.item);
  if (!spec && !(EXTRA_ITEMS as readonly string[]).includes(input.item)) {
    throw Errors.validation(`"${input.item}" is not on ${city.tenant}'s checklist`, { allowed: [...city.profile.evidence.checklist.map((i) => i.id), ...EXTRA_ITEMS] });
  }
  if (spec?.kind === 'check' && !input.byCheck) {
    throw Errors.validation(`"${input.item}" is an automatic check: its result is recorded by POST /api/cases/:id/checks, not entered`, { item: input.item });
  }
  const kind = spec?.kind ?? (input.item === 'recording' ? 'video' : 'text');
  if ((kind === 'photo' || kind === 'video') && !input.hasFile) throw Errors.validation(`"${input.item}" needs a file`);
  return kind;
}

/** Appends one item (and completes the checklist when it is now complete). */
export async function addEvidence(ctx: CoreContext, tenant: string, caseId: string, actor: string, input: NewEvidence): Promise<EvidenceRow> {
  const city = ctx.cities.get(tenant);
  const kind = evidenceItemKind(ctx, tenant, { item: input.item, byCheck: input.byCheck, hasFile: !!input.file });
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    if (!GATHERING.includes(c.state) && !LATE_ITEMS.includes(input.item)) {
      throw Errors.transitionNotAllowed(`evidence cannot be added while the case is ${c.state}`, { state: c.state, event: 'evidence.added' });
    }
    const last = await evidenceRepo.last(q, caseId);
    if (input.supersedes) {
      if (!(await evidenceRepo.has(q, caseId, input.supersedes))) throw Errors.validation('supersedes an item that is not in this case');
    }
    const row: EvidenceRow = {
      tenant, case_id: caseId, seq: (last?.seq ?? 0) + 1, id: randomUUID(), item: input.item, kind,
      file_sha256: input.file?.sha256 ?? null, content_type: input.file?.contentType ?? null, size: input.file?.size ?? null,
      data: input.data ?? {}, supersedes: input.supersedes ?? null, prev_hash: last?.hash ?? GENESIS, hash: '', created_by: actor, created_at: now,
    };
    row.hash = evidenceHash(row.prev_hash, row);
    await evidenceRepo.insert(q, row);
    events.push(await transition(q, c, 'evidence.added', { evidenceId: row.id, item: row.item, kind: row.kind, hash: row.hash, fileSha256: row.file_sha256 }, actor, now));
    if (c.state === 'in_call') {
      if (isComplete(checklist(city.profile.evidence.checklist, await listEvidence(q, tenant, caseId), c.report))) {
        events.push(await transition(q, c, 'evidence.completed', { items: row.seq, chainHead: row.hash }, actor, now));
      }
    }
    return row;
  });
}

export async function listEvidence(q: Queryable, tenant: string, caseId: string): Promise<EvidenceRow[]> {
  return evidenceRepo.ofCase(scoped(q, tenant), caseId);
}

/** The checked type of a file this case holds (a photo only, when asked); undefined when it holds none. */
export async function caseFileType(ctx: CoreContext, tenant: string, caseId: string, sha256: string, opts: { photo?: boolean } = {}): Promise<string | undefined> {
  return evidenceRepo.fileType(tenantDb(ctx, tenant), caseId, sha256, opts);
}

/** How many items of a checklist line a case holds (the media plugin numbers recording parts by it). */
export async function countEvidenceItems(ctx: CoreContext, tenant: string, caseId: string, item: string): Promise<number> {
  return evidenceRepo.countItems(tenantDb(ctx, tenant), caseId, item);
}

/** Recomputes the chain: the head hash, or the first item whose hash does not match. */
export function verifyChain(items: readonly EvidenceRow[]): { ok: true; head: string; length: number } | { ok: false; brokenAt: number } {
  let prev = GENESIS;
  for (const i of items) {
    if (i.prev_hash !== prev || evidenceHash(prev, i) !== i.hash) return { ok: false, brokenAt: i.seq };
    prev = i.hash;
  }
  return { ok: true, head: prev, length: items.length };
}

export async function caseChecklist(ctx: CoreContext, c: CaseRow, q: Queryable = ctx.db): Promise<{ lines: ChecklistLine[]; complete: boolean }> {
  const lines = checklist(ctx.cities.get(c.tenant).profile.evidence.checklist, await listEvidence(q, c.tenant, c.id), c.report);
  return { lines, complete: isComplete(lines) };
}

export { getCase, checklist, type ChecklistLine };

/** JSON with sorted keys, so the same content always hashes the same. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}
