/**
 * The photo path's case (事故快处, issue 18): party A reports and takes the required shots,
 * leaves the scene; party B joins from their own phone (the SMS link, or the case number after
 * signing in with an SMS code); each states the facts; they propose liability and sign with an
 * SMS code (agreement.ts issues the 自行协商协议书), or ask for an online determination
 * (在线定责), which puts the case on the officer desk like a video case that left the scene.
 *
 * Who is who: `cases.party_phone` is party A (the reporter); `cases.party_b_phone` is party B
 * once joined. A signed-in party's phone decides the role (partyRole).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AccidentReport, PhotoLiabilityParty, PhotoPartyDetails } from '../generated/types.ts';
import { inTx, LIVE_CHANNEL, tenantDb, type CoreContext } from '../context.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import { Errors } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import { evaluate } from '../policy/evaluate.ts';
import { toLocal } from '../policy/localTime.ts';
import { liveCity } from '../cases/intake.ts';
import { casesRepo } from '../persistence/cases.ts';
import { insertReportedCase } from '../persistence/reportedCase.ts';
import { evidenceRepo, fileHeldAnywhere } from '../persistence/evidence.ts';
import {
  joinTokensRepo, photoCaseIdByNumber, photoCasesRepo, photoPartiesRepo, setPartyB,
  type PartyRole, type PhotoCaseRow, type PhotoPartyRow,
} from '../persistence/photoCases.ts';
import { assertAllowed, assertEventPayload, getCase, lockCase, transition, type CaseRow } from '../cases/repository.ts';
import { evidenceHash, GENESIS, listEvidence, verifyChain, type EvidenceRow } from '../cases/evidence.ts';
import { liabilityProblem } from '../cases/determination.ts';
import type { CompiledCity } from '../policy/city.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';
import { photoInviteSms } from '../sms/messages.ts';
import { checkPhoto } from './photoCheck.ts';

export type { PartyRole };

/** How long a join link works. */
export const JOIN_LINK_TTL_MS = 24 * 3600_000;
/** The shot id an officer's request for more photos is answered with (besides any shot of the city). */
export const EXTRA_SHOT = 'extra';
/** Evidence items of the photo path are named `photo:<shot>`. */
const ITEM_PREFIX = 'photo:';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The role of a phone on a case: A (the reporter), B (joined), or null. */
export function partyRole(c: Pick<CaseRow, 'party_phone' | 'party_b_phone'>, phone: string): PartyRole | null {
  if (c.party_phone === phone) return 'A';
  if (c.party_b_phone && c.party_b_phone === phone) return 'B';
  return null;
}

function photoCity(ctx: CoreContext, tenant: string): CompiledCity & { photo: NonNullable<CompiledCity['photo']> } {
  const city = liveCity(ctx, tenant);
  if (!city.photo) throw Errors.pathNotOffered('本市未开通事故快处（拍照自行协商）。This city does not offer photo quick handling.', { path: 'photo', offered: [...city.paths] });
  return city as CompiledCity & { photo: NonNullable<CompiledCity['photo']> };
}

/** A photo case of the tenant, locked; 404 for a video case (these routes are the photo path's only). */
async function lockPhotoCase(q: TenantQueryable, tenant: string, caseId: string): Promise<{ c: CaseRow; p: PhotoCaseRow }> {
  const c = await lockCase(q, tenant, caseId);
  const p = c.path === 'photo' ? await photoCasesRepo.get(q, caseId, { lock: true }) : undefined;
  if (!p) throw Errors.caseNotFound('no such photo case');
  return { c, p };
}

// ─── report ────────────────────────────────────────────────────────────────────────────────────

export interface PhotoReportInput {
  clientKey: string;
  phone: string;
  report: AccidentReport;
  otherPartyPhone: string;
}

/**
 * Party A's report on the photo path. The photo path's own eligibility decides (two motor
 * vehicles, nobody hurt, the profile's disqualifiers …); a refused report is recorded with its
 * reasons (state ineligible), never dropped. An eligible one sends B the join link.
 */
export async function reportPhotoCase(ctx: CoreContext, tenant: string, input: PhotoReportInput): Promise<{ case: CaseRow; created: boolean }> {
  const city = photoCity(ctx, tenant);
  if (input.otherPartyPhone === input.phone) throw Errors.validation('the other party’s phone is your own: give the other driver’s phone', { field: 'otherPartyPhone' });
  const now = ctx.clock.now();
  const full = evaluate(city, input.report, { now: () => now });
  const photo = full.paths!.photo;
  // The case's decision is the photo path's: eligible and reasons as the party was told.
  const decision = { ...full, eligible: photo.eligible, reasons: photo.reasons, fallback: photo.eligible ? null : { action: 'onsite_police' as const, phones: city.profile.fallback.phones, message: city.profile.fallback.message } };
  const local = toLocal(now, city.profile.timezone);
  const prefix = `${city.profile.determination?.documentPrefix ?? city.tenant.slice(0, 3).toUpperCase()}-${String(local.year).slice(2)}${String(local.month).padStart(2, '0')}${String(local.day).padStart(2, '0')}-`;
  const brigadeId = full.brigade?.id ?? null;
  const type = photo.eligible ? 'photo.reported' : 'case.refused';
  const payload = photo.eligible
    ? { number: prefix, path: 'photo' as const, channel: full.channel, district: full.district!, brigadeId: brigadeId!, kind: input.report.kind, injury: input.report.injury ?? 'none' }
    : { number: prefix, path: 'photo' as const, channel: full.channel, district: full.district, kind: input.report.kind, reasons: photo.reasons.map((r) => r.code) };
  assertEventPayload(type, payload as never);
  const id = uuidv7(now);
  const eventId = randomUUID();
  const result = await inTx(ctx, tenant, async (q) => {
    const row = await insertReportedCase(q, {
      id, prefix, year: local.year, state: photo.eligible ? 'photo_capture' : 'ineligible', clientKey: input.clientKey, phone: input.phone,
      channel: full.channel, district: full.district, brigadeId, report: input.report, decision, at: now, queuedAt: null,
      event: { id: eventId, type, payload }, liveChannel: LIVE_CHANNEL, profileVersion: city.version ?? null, path: 'photo',
    });
    if (!row) return undefined;
    if (photo.eligible) {
      await photoCasesRepo.insert(q, row.id, input.otherPartyPhone);
      await photoPartiesRepo.insert(q, row.id, 'A', input.phone, now);
      const sms = await issueJoinLink(ctx, q, city, row, input.otherPartyPhone, now);
      return { row, sms };
    }
    return { row, sms: null };
  });
  if (!result) {
    const existing = await casesRepo.byClientKey(tenantDb(ctx, tenant), input.phone, input.clientKey);
    if (!existing) throw new Error('report neither inserted nor found');
    return { case: existing, created: false };
  }
  ctx.notify([{ id: eventId, tenant, caseId: id, seq: 1, type, at: now.toISOString(), actor: 'party', payload: { ...payload, number: result.row.number } as never }]);
  if (result.sms) await sendSmsNow(ctx, tenant, [result.sms.id]);
  return { case: result.row, created: true };
}

/** A new single-use link for `phone` (the case's earlier open links void), queued as an SMS. */
async function issueJoinLink(ctx: CoreContext, q: TenantQueryable, city: CompiledCity, c: CaseRow, phone: string, now: Date): Promise<{ id: string | null; expiresAt: Date }> {
  const token = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + JOIN_LINK_TTL_MS);
  await joinTokensRepo.voidOpen(q, c.id, now);
  await joinTokensRepo.insert(q, { hash: sha256(token), caseId: c.id, phone, at: now, expiresAt });
  const url = `${ctx.publicUrl}/m/${c.tenant}/join/${token}`;
  const id = await queueSms(q, { ...photoInviteSms(city, c.number, url), to: phone, caseId: c.id, key: `sms:photo-invite:${sha256(token)}`, at: now, expiresAt });
  return { id, expiresAt };
}

/** Party A (re)sends the join link, to the same or a corrected phone, until B has joined. */
export async function invite(ctx: CoreContext, tenant: string, caseId: string, phone: string): Promise<{ expiresAt: Date }> {
  const city = photoCity(ctx, tenant);
  const { sms, expiresAt } = await inTx(ctx, tenant, async (q) => {
    const now = ctx.clock.now();
    const { c } = await lockPhotoCase(q, tenant, caseId);
    if (c.party_b_phone) throw Errors.photoPartyJoined();
    if (phone === c.party_phone) throw Errors.validation('the other party’s phone is your own: give the other driver’s phone', { field: 'phone' });
    assertAllowed(c, 'photo.party_joined');
    await photoCasesRepo.setInvited(q, caseId, phone);
    const link = await issueJoinLink(ctx, q, city, c, phone, now);
    return { sms: link.id, expiresAt: link.expiresAt };
  });
  await sendSmsNow(ctx, tenant, [sms]);
  return { expiresAt };
}

// ─── shots and leaving the scene ───────────────────────────────────────────────────────────────

/** Each shot of the city with how many photos it needs (per vehicle: one per motor vehicle) and how many the case has. */
export function shotProgress(city: CompiledCity, c: Pick<CaseRow, 'report'>, items: readonly EvidenceRow[]) {
  const vehicles = Math.max(2, c.report.vehicles?.length ?? 0, c.report.parties ?? 0);
  return (city.photo?.shots ?? []).map((s) => {
    const need = s.optional ? 0 : s.per === 'vehicle' ? vehicles : 1;
    const have = items.filter((i) => i.item === ITEM_PREFIX + s.id).length;
    return { id: s.id, label: s.label, perVehicle: s.per === 'vehicle', optional: s.optional ?? false, need, have };
  });
}

/** The photo path's photos of a case (evidence items `photo:<shot>`), with who took them. */
export function casePhotos(items: readonly EvidenceRow[]) {
  return items.filter((i) => i.item.startsWith(ITEM_PREFIX) && i.file_sha256).map((i) => ({
    evidenceId: i.id, shot: i.item.slice(ITEM_PREFIX.length), sha256: i.file_sha256!, contentType: i.content_type ?? 'image/jpeg',
    by: (i.created_by === 'party:B' ? 'B' : 'A') as PartyRole, at: new Date(i.created_at).toISOString(),
  }));
}

/**
 * A photo for one shot, checked like POST /api/photo-path/shots/:shot/check, then appended to
 * the case's evidence (hash chain). Party A while capturing; either party while an officer's
 * request for more photos is open (the upload answers it).
 */
export async function addShot(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole, shotId: string, bytes: Uint8Array): Promise<EvidenceRow> {
  const city = photoCity(ctx, tenant);
  const shot = city.photo.shots.find((s) => s.id === shotId);
  if (!shot && shotId !== EXTRA_SHOT) throw Errors.validation(`no shot "${shotId}" on this city's photo path`, { shots: [...city.photo.shots.map((s) => s.id), EXTRA_SHOT] });
  const checked = await checkPhoto(bytes);
  const stored = await ctx.files.put(bytes, checked.contentType);
  try {
    return await inTx(ctx, tenant, async (q, events) => {
      const now = ctx.clock.now();
      const { c, p } = await lockPhotoCase(q, tenant, caseId);
      // The officer's requests naming this party: while the case waits for the officer, each upload may answer them.
      const asked = p.photo_requests.filter((r) => r.from === 'both' || r.from === role);
      const open = asked.filter((r) => !r.answered[role]);
      if (c.state === 'photo_capture') {
        if (role !== 'A') throw Errors.forbidden('party A takes the photos at the scene');
        if (shotId === EXTRA_SHOT) throw Errors.validation(`"${EXTRA_SHOT}" answers an officer's request for more photos`, { shots: city.photo.shots.map((s) => s.id) });
      } else if (!(c.state === 'evacuated' && asked.length)) {
        throw Errors.transitionNotAllowed(`photos cannot be added while the case is ${c.state}${c.state === 'evacuated' ? ' (the officer has asked this party for no photos)' : ''}`, { state: c.state, event: 'evidence.added' });
      }
      const last = await evidenceRepo.last(q, caseId);
      const row: EvidenceRow = {
        tenant, case_id: caseId, seq: (last?.seq ?? 0) + 1, id: randomUUID(), item: ITEM_PREFIX + shotId, kind: 'photo',
        file_sha256: stored.sha256, content_type: checked.contentType, size: bytes.length,
        data: { shot: shotId, width: checked.width, height: checked.height, by: role }, supersedes: null, prev_hash: last?.hash ?? GENESIS, hash: '', created_by: `party:${role}`, created_at: now,
      };
      row.hash = evidenceHash(row.prev_hash, row);
      await evidenceRepo.insert(q, row);
      events.push(await transition(q, c, 'evidence.added', { evidenceId: row.id, item: row.item, kind: row.kind, hash: row.hash, fileSha256: row.file_sha256 }, `party:${role}`, now));
      if (open.length) {
        await photoCasesRepo.setRequests(q, caseId, p.photo_requests.map((r) => (open.includes(r) ? { ...r, answered: { ...r.answered, [role]: now.toISOString() } } : r)));
      }
      return row;
    });
  } catch (err) {
    if (!(await fileHeldAnywhere(ctx.db, stored.sha256))) await ctx.files.remove(stored.sha256);
    throw err;
  }
}

/** Party A leaves the scene (撤离) once every required shot is in. */
export async function leaveScene(ctx: CoreContext, tenant: string, caseId: string): Promise<CaseRow> {
  const city = photoCity(ctx, tenant);
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const { c } = await lockPhotoCase(q, tenant, caseId);
    assertAllowed(c, 'photo.left_scene');
    const items = await listEvidence(q, tenant, caseId);
    const missing = shotProgress(city, c, items).filter((s) => s.have < s.need).map((s) => ({ shot: s.id, need: s.need, have: s.have }));
    if (missing.length) throw Errors.photoShotsMissing(undefined, { missing });
    const chain = verifyChain(items);
    if (!chain.ok) throw Errors.transitionNotAllowed(`the evidence chain is broken at item ${chain.brokenAt}`);
    await photoCasesRepo.setLeftScene(q, caseId, now);
    const shots = items.filter((i) => i.item.startsWith(ITEM_PREFIX)).length;
    events.push(await transition(q, c, 'photo.left_scene', { shots, chainHead: chain.head, onSceneSeconds: Math.max(0, (now.getTime() - new Date(c.reported_at).getTime()) / 1000) }, 'party:A', now));
    return c;
  });
}

// ─── party B joins ────────────────────────────────────────────────────────────────────────────

async function admitB(q: TenantQueryable, c: CaseRow, p: PhotoCaseRow, phone: string, via: 'sms_link' | 'case_number', now: Date, events: unknown[]): Promise<void> {
  assertAllowed(c, 'photo.party_joined');
  await setPartyB(q, c.id, phone);
  c.party_b_phone = phone;
  await photoPartiesRepo.insert(q, c.id, 'B', phone, now);
  await joinTokensRepo.voidOpen(q, c.id, now);
  void p;
  events.push(await transition(q, c, 'photo.party_joined', { role: 'B', via }, 'party:B', now));
}

/** Party B opens the SMS link: the token names the case and the phone it was sent to. Returns both. */
export async function joinByLink(ctx: CoreContext, tenant: string, token: string): Promise<{ caseId: string; phone: string }> {
  photoCity(ctx, tenant);
  const hash = sha256(token);
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const t = await joinTokensRepo.get(q, hash);
    if (!t) throw Errors.joinTokenInvalid();
    const { c, p } = await lockPhotoCase(q, tenant, t.case_id);
    const link = await joinTokensRepo.get(q, hash, { lock: true });
    // Single use: a second tap on the SMS finds it used (party B's session from the first tap goes on).
    if (link!.used_at) throw Errors.joinTokenUsed();
    if (new Date(link!.expires_at) <= now) throw Errors.joinTokenExpired();
    if (c.party_b_phone) throw Errors.joinTokenUsed('party B has already joined this case');
    await joinTokensRepo.use(q, hash, now);
    await admitB(q, c, p, link!.phone, 'sms_link', now, events);
    return { caseId: c.id, phone: link!.phone };
  });
}

/** Party B, signed in with an SMS code to their own phone, joins by the case number A gave them. */
export async function joinByNumber(ctx: CoreContext, tenant: string, phone: string, number: string): Promise<CaseRow> {
  photoCity(ctx, tenant);
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const id = await photoCaseIdByNumber(q, number.trim().toUpperCase());
    if (!id) throw Errors.caseNotFound('no photo case with this number');
    const { c, p } = await lockPhotoCase(q, tenant, id);
    if (c.party_b_phone === phone) return c;
    if (c.party_phone === phone || p.invited_phone !== phone || c.party_b_phone) throw Errors.photoNotOtherParty();
    await admitB(q, c, p, phone, 'case_number', now, events);
    return c;
  });
}

// ─── statements, liability, online determination, officer requests, receipt ────────────────────

export async function recordStatement(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole, details: PhotoPartyDetails): Promise<CaseRow> {
  const city = photoCity(ctx, tenant);
  if (details.licence.number.includes('*')) throw Errors.validation('licence.number: give the whole number (a masked one is what the other party sees)', { field: 'licence.number' });
  if (details.vehicle.insurerId && !city.profile.claims.insurers.some((i) => i.id === details.vehicle.insurerId)) {
    throw Errors.validation(`insurerId: ${details.vehicle.insurerId} is not an insurer of ${tenant}`, { field: 'insurerId', allowed: city.profile.claims.insurers.map((i) => i.id) });
  }
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const { c, p } = await lockPhotoCase(q, tenant, caseId);
    assertAllowed(c, 'photo.statement');
    const withdrew = c.state === 'agreement_pending';
    if (withdrew) {
      await photoCasesRepo.setLiability(q, caseId, null);
      await photoPartiesRepo.clearSignatures(q, caseId);
    }
    void p;
    await photoPartiesRepo.setDetails(q, caseId, role, details);
    events.push(await transition(q, c, 'photo.statement', { role, withdrewProposal: withdrew }, `party:${role}`, now));
    return c;
  });
}

export async function proposeLiability(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole, parties: PhotoLiabilityParty[]): Promise<CaseRow> {
  photoCity(ctx, tenant);
  const roles = parties.map((x) => x.role).sort().join(',');
  if (roles !== 'A,B') throw Errors.validation('the proposal names party A and party B once each', { field: 'parties' });
  const ordered = [...parties].sort((x, y) => x.role.localeCompare(y.role));
  const problem = liabilityProblem(ordered.map((x) => x.liability));
  if (problem) throw Errors.liabilityInconsistent(problem, { grades: ordered.map((x) => x.liability) });
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const { c } = await lockPhotoCase(q, tenant, caseId);
    assertAllowed(c, 'photo.liability_proposed');
    const people = await photoPartiesRepo.ofCase(q, caseId);
    const missing = (['A', 'B'] as const).filter((r) => !people.find((x) => x.role === r)?.details);
    if (missing.length) throw Errors.photoStatementsMissing(undefined, { missing });
    await photoCasesRepo.setLiability(q, caseId, { proposedBy: role, proposedAt: now.toISOString(), parties: ordered });
    await photoPartiesRepo.clearSignatures(q, caseId);
    events.push(await transition(q, c, 'photo.liability_proposed', { by: role, grades: ordered.map((x) => x.liability) }, `party:${role}`, now));
    return c;
  });
}

export async function requestOnline(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole, reason: 'disagree' | 'asked', note: string | undefined): Promise<CaseRow> {
  photoCity(ctx, tenant);
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const { c } = await lockPhotoCase(q, tenant, caseId);
    assertAllowed(c, 'photo.online_requested');
    await photoCasesRepo.setOnline(q, caseId, { requestedBy: role, reason, note: note?.trim() || null, at: now.toISOString() });
    await photoPartiesRepo.clearSignatures(q, caseId);
    const seconds = Math.max(0, (now.getTime() - new Date(c.reported_at).getTime()) / 1000);
    events.push(await transition(q, c, 'photo.online_requested', { by: role, reason, reportToRequestSeconds: seconds }, `party:${role}`, now));
    return c;
  });
}

/** The officer asks for more photos (the party app shows the open request; an upload answers it). */
export async function requestPhotos(ctx: CoreContext, tenant: string, caseId: string, officerId: string, note: string, from: PartyRole | 'both'): Promise<CaseRow> {
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const { c, p } = await lockPhotoCase(q, tenant, caseId);
    assertAllowed(c, 'photo.more_photos_requested');
    if (from !== 'A' && !c.party_b_phone) throw Errors.validation('party B has not joined this case', { field: 'from' });
    const requestId = randomUUID();
    await photoCasesRepo.setRequests(q, caseId, [...p.photo_requests, { id: requestId, note, from, at: now.toISOString(), officerId, answered: {} }]);
    events.push(await transition(q, c, 'photo.more_photos_requested', { requestId, officerId, from }, `officer:${officerId}`, now));
    return c;
  });
}

/**
 * A party withdraws the photo case (撤销): while photos are taken, statements entered, a proposal
 * waits (unless a party has signed it) or the officer has not yet decided. After a signature, the
 * agreement or a determination the case stands (409 KC_PHOTO_NOT_CANCELLABLE). Open join links die
 * with it; the case ends `abandoned` and both phones hear it on /api/live.
 */
export async function cancelPhotoCase(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole, note: string | undefined): Promise<CaseRow> {
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const { c } = await lockPhotoCase(q, tenant, caseId);
    const from = c.state;
    if (from !== 'photo_capture' && from !== 'photo_statements' && from !== 'agreement_pending' && from !== 'evacuated') {
      throw Errors.photoNotCancellable(`a photo case cannot be withdrawn once it is ${from}`, { state: from });
    }
    const signed = (await photoPartiesRepo.ofCase(q, caseId)).filter((x) => x.signed_at).map((x) => x.role);
    if (signed.length) throw Errors.photoNotCancellable('a party has signed the proposed agreement', { state: from, signed });
    await joinTokensRepo.voidOpen(q, caseId, now);
    const text = note?.trim();
    events.push(await transition(q, c, 'photo.cancelled', { role, from, ...(text ? { note: text } : {}) }, `party:${role}`, now));
    return c;
  });
}

/** A party acknowledges receipt of the served determination (签收); once per party. */
export async function acknowledge(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole): Promise<CaseRow> {
  return inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const { c } = await lockPhotoCase(q, tenant, caseId);
    assertAllowed(c, 'photo.acknowledged');
    if (await photoPartiesRepo.acknowledge(q, caseId, role, now)) {
      events.push(await transition(q, c, 'photo.acknowledged', { role }, `party:${role}`, now));
    }
    return c;
  });
}

// ─── reads ────────────────────────────────────────────────────────────────────────────────────

export interface PhotoCaseRecord {
  c: CaseRow;
  p: PhotoCaseRow | undefined;
  parties: PhotoPartyRow[];
  items: EvidenceRow[];
}

export async function photoCaseRecord(ctx: CoreContext, tenant: string, caseId: string): Promise<PhotoCaseRecord> {
  const db = tenantDb(ctx, tenant);
  const c = await getCase(db, tenant, caseId);
  if (c.path !== 'photo') throw Errors.caseNotFound('no such photo case');
  const [p, parties, items] = await Promise.all([photoCasesRepo.get(db, caseId), photoPartiesRepo.ofCase(db, caseId), listEvidence(db, tenant, caseId)]);
  return { c, p, parties, items };
}
