/**
 * Online mediation (线上调解室, issue 14 — Yancheng's 云车通 settles compensation disputes online
 * in under 10 minutes). Only for tenants whose profile lists `mediation_rooms` (409
 * KC_FEATURE_NOT_OFFERED otherwise).
 *
 *   schedule ──▶ scheduled ── open (from 15 min before the time) ──▶ open ── outcome ──┬─▶ agreed ── both sign ──▶ signed (调解协议书)
 *                    ├── booked again by hand ──▶ cancelled + a new scheduled  │         └─▶ not_agreed (reason)
 *                    └── time + grace, never opened ──▶ no_show ◀── time + grace, a party never joined
 *                                                  (booked again: a new scheduled `replaces` it)
 *
 * Reminders before the time and the no-shows after it run on the server's tick: schedule.ts.
 *
 * Who: the mediator organisation's people (a partner of kind mediator whose organisation is
 * invited to the case), the seat on the case or an officer schedule, open and record; each party
 * (A the reporter, B the second party) signs with an SMS code to their own phone — the photo
 * path's electronic signature (photoPath/agreement.ts). The second signature issues the
 * 调解协议书: the third kind of verifiable document, its content hashed and coded like the
 * e-determination's, rendered by the same PDF machinery and checked on /verify. While a
 * mediation is open the case's room is the mediation room: its mediator's people are admitted
 * as mediator (media/admission.ts). Every step is a case event (mediation.*), so analytics has
 * the time from booking (and from the start) to the agreement.
 */
import { randomUUID } from 'node:crypto';
import { inTx, tenantDb, type CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import { checkCode, sendCode } from '../auth/otp.ts';
import { signingClient } from '../photoPath/agreement.ts';
import { lockCase, transition, getCase, type CaseRow } from '../cases/repository.ts';
import { listEvidence, verifyChain } from '../cases/evidence.ts';
import { determinationsRepo, nextCounter } from '../persistence/determinations.ts';
import { mediationsRepo, type MediationOutcome, type MediationParty, type MediationRole, type MediationRow } from '../persistence/mediations.ts';
import { partnersRepo } from '../persistence/partners.ts';
import { requireFeature } from '../platform/features.ts';
import { invite, type NewInvitation } from '../partners/invitations.ts';
import { ROLES, type DeterminationDocument, type DocumentSignature } from '../documents/determinationDocument.ts';
import { canonicalJson, determinationContentSha256, documentCode, type DeterminationContent } from '../documents/verification.ts';
import { renderDeterminationPdf } from '../documents/determinationPdf.ts';
import { localDateTime } from '../documents/determinationText.ts';
import { KIND_NAMES } from '../policy/reasons.ts';
import { localMidnightUtc, toLocal } from '../policy/localTime.ts';
import { maskPhone } from '../privacy/mask.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';
import { whenText } from './schedule.ts';

/** The mediator may open the room this long before the booked time. */
export const OPENS_EARLY_MS = 15 * 60_000;

/** Who acts on a mediation (the route decides it from the session; the party signs apart). */
export type MediationActor =
  | { kind: 'partner'; personId: string; orgId: string; name: string }
  | { kind: 'staff'; id: string; name: string };

const actorId = (a: MediationActor) => (a.kind === 'partner' ? `partner:${a.personId}` : `staff:${a.id}`);

export interface ScheduleBody {
  /** Local time of the city, 2026-06-01T15:30. */
  startsAt: string;
  /** The mediator organisation; a mediator who books is their own organisation (this is then ignored). */
  mediatorOrgId?: string | undefined;
  insurerOrgIds?: string[] | undefined;
  /** Party B's phone, when the case does not know it yet (they are invited by SMS link). */
  partyBPhone?: string | undefined;
}

export type OutcomeBody =
  | { agreed: true; parties: MediationParty[]; payer: MediationRole; payee: MediationRole; amountFen: number; terms?: string | undefined }
  | { agreed: false; reason: string };

/** "2026-06-01T15:30" in the city's zone → the instant. */
export function cityTime(local: string, timeZone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) throw Errors.validation('startsAt: give the city’s local time as YYYY-MM-DDTHH:mm', { field: 'startsAt' });
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) throw Errors.validation('startsAt: not a time', { field: 'startsAt' });
  return new Date(localMidnightUtc({ year, month, day }, timeZone).getTime() + (hour * 60 + minute) * 60_000);
}

/** The party's role on the mediation by their phone (A the reporter, B as booked or as the case knows them), or null. */
export function mediationRole(m: Pick<MediationRow, 'party_b_phone'>, c: Pick<CaseRow, 'party_phone' | 'party_b_phone'>, phone: string): MediationRole | null {
  if (phone === c.party_phone) return 'A';
  if (phone === (m.party_b_phone ?? c.party_b_phone)) return 'B';
  return null;
}

/**
 * Books the mediation of a case. A booking not yet opened is replaced (a no-show booked again:
 * `replaces`); one that is open or waiting for signatures refuses (KC_MEDIATION_STATUS). Party B,
 * the insurers and (when staff book) the mediator organisation get room invitations; both
 * parties an SMS with the time.
 */
export async function scheduleMediation(ctx: CoreContext, tenant: string, caseId: string, actor: MediationActor, body: ScheduleBody): Promise<{ m: MediationRow; invitations: Array<{ role: string; url: string }> }> {
  const city = ctx.cities.get(tenant);
  requireFeature(city, 'mediation_rooms');
  const now = ctx.clock.now();
  const startsAt = cityTime(body.startsAt, city.profile.timezone);
  if (startsAt.getTime() <= now.getTime()) throw Errors.mediationInPast(undefined, { startsAt: startsAt.toISOString(), now: now.toISOString() });
  const id = randomUUID();
  const { sms, invites } = await inTx(ctx, tenant, async (q, events) => {
    const c = await lockCase(q, tenant, caseId);
    const mediatorOrgId = actor.kind === 'partner' ? actor.orgId : body.mediatorOrgId;
    if (!mediatorOrgId) throw Errors.validation('name the mediator organisation (mediatorOrgId)', { field: 'mediatorOrgId' });
    const org = await partnersRepo.org(q, mediatorOrgId);
    if (!org || org.disabled_at || org.kind !== 'mediator') throw Errors.validation('not a mediator organisation of this city', { field: 'mediatorOrgId' });
    const insurerOrgIds = [...new Set(body.insurerOrgIds ?? [])];
    for (const oid of insurerOrgIds) {
      const o = await partnersRepo.org(q, oid);
      if (!o || o.disabled_at || o.kind !== 'insurer') throw Errors.validation('not an insurer organisation of this city', { field: 'insurerOrgIds', orgId: oid });
    }
    const partyBPhone = body.partyBPhone ?? c.party_b_phone;
    if (partyBPhone && partyBPhone === c.party_phone) throw Errors.validation('this is the reporting party’s own phone', { field: 'partyBPhone' });
    const current = await mediationsRepo.active(q, c.id);
    if (current && current.status !== 'scheduled') throw Errors.mediationStatus(`a mediation of this case is ${current.status}`, { status: current.status });
    if (current) await mediationsRepo.cancel(q, current.id, now);
    // A no-show (schedule.ts) is booked again: the newest booking of the case, when it is one, is what this replaces.
    const last = current ? undefined : (await mediationsRepo.ofCase(q, c.id))[0];
    const replaces = current?.id ?? (last?.status === 'no_show' ? last.id : undefined);
    await mediationsRepo.insert(q, { id, caseId: c.id, mediatorOrgId, startsAt, insurerOrgIds, partyBPhone, scheduledBy: actorId(actor), at: now });
    events.push(await transition(q, c, 'mediation.scheduled', {
      mediationId: id, startsAt: startsAt.toISOString(), mediatorOrgId, insurerOrgIds, ...(replaces ? { replaces } : {}),
    }, actorId(actor), now));
    const when = whenText(startsAt, city.profile.timezone);
    const text = `您的事故（${c.number}）已预约${org.name}线上调解，时间${when}。届时请打开${city.profile.city.zh}事故快处，进入调解室。`;
    const sms: Array<string | null> = [];
    for (const to of new Set([c.party_phone, ...(partyBPhone ? [partyBPhone] : [])])) {
      sms.push(await queueSms(q, { kind: 'other', params: { number: c.number, time: when }, text, to, caseId: c.id, key: `sms:mediation:${id}:${to}`, at: now }));
    }
    // Invitations into the room: party B when the case does not know them (a video case), the insurers, the mediator organisation when staff book.
    const invites: NewInvitation[] = [];
    if (partyBPhone && c.path === 'video' && c.party_b_phone !== partyBPhone) invites.push({ role: 'party_b', phone: partyBPhone });
    for (const oid of insurerOrgIds) if (!(await partnersRepo.orgInvited(q, oid, c.id))) invites.push({ role: 'insurer', orgId: oid });
    if (!(await partnersRepo.orgInvited(q, mediatorOrgId, c.id))) invites.push({ role: 'mediator', orgId: mediatorOrgId });
    return { sms, invites };
  });
  await sendSmsNow(ctx, tenant, sms);
  const ttlSeconds = Math.ceil((startsAt.getTime() - now.getTime()) / 1000) + 24 * 3600;
  const invitations: Array<{ role: string; url: string }> = [];
  for (const n of invites) {
    const r = await invite(ctx, tenant, caseId, { staffId: actor.kind === 'staff' ? actor.id : actor.personId, by: actorId(actor) }, { ...n, ttlSeconds: Math.min(ttlSeconds, 30 * 24 * 3600) });
    invitations.push({ role: n.role, url: r.url });
  }
  return { m: (await mediationsRepo.get(tenantDb(ctx, tenant), id))!, invitations };
}

/** The mediation if the actor may run it: its mediator organisation's people (invited to the case), the seat on the case, an officer. */
export async function mediationFor(ctx: CoreContext, tenant: string, mediationId: string, who: MediatorAccess): Promise<MediationRow> {
  const db = tenantDb(ctx, tenant);
  const m = await mediationsRepo.get(db, mediationId);
  if (!m) throw Errors.notFound('no such mediation');
  await assertRuns(ctx, tenant, m.case_id, who, m.mediator_org_id);
  return m;
}

/** Whom the route found: a partner person of an organisation, or staff with their roles. */
export type MediatorAccess = { partnerOrgId: string; orgKind: string } | { staffId: string; roles: readonly string[] };

/** May `who` run a mediation of this case (mediatorOrgId: the booked organisation; undefined when booking)? 404 for a partner that may not, 403 for staff. */
export async function assertRuns(ctx: CoreContext, tenant: string, caseId: string, who: MediatorAccess, mediatorOrgId?: string): Promise<CaseRow> {
  const db = tenantDb(ctx, tenant);
  const c = await getCase(db, tenant, caseId);
  if ('partnerOrgId' in who) {
    // A partner sees only what it is invited to: anything else is as if it did not exist.
    if (who.orgKind !== 'mediator') throw Errors.notFound('no such mediation');
    if (mediatorOrgId && mediatorOrgId !== who.partnerOrgId) throw Errors.notFound('no such mediation');
    if (!(await partnersRepo.orgInvited(db, who.partnerOrgId, c.id))) throw Errors.caseNotFound();
    return c;
  }
  if (who.roles.includes('officer')) return c;
  if (who.roles.includes('seat') && (c.seat_id === who.staffId || c.preferred_seat === who.staffId)) return c;
  throw Errors.forbidden('only the mediator, the seat on the case or an officer runs its mediation');
}

/** The mediator opens the mediation at its time: the case's room is the mediation room from now on. */
export async function openMediation(ctx: CoreContext, tenant: string, m: MediationRow, actor: MediationActor): Promise<void> {
  requireFeature(ctx.cities.get(tenant), 'mediation_rooms');
  const now = ctx.clock.now();
  const opensAt = new Date(new Date(m.starts_at).getTime() - OPENS_EARLY_MS);
  await inTx(ctx, tenant, async (q, events) => {
    const c = await lockCase(q, tenant, m.case_id);
    const fresh = (await mediationsRepo.get(q, m.id, { lock: true }))!;
    if (fresh.status !== 'scheduled') throw Errors.mediationStatus(`the mediation is ${fresh.status}`, { status: fresh.status });
    if (now < opensAt) throw Errors.mediationNotYet(undefined, { startsAt: new Date(fresh.starts_at).toISOString(), opensAt: opensAt.toISOString() });
    await mediationsRepo.open(q, m.id, actorId(actor), now);
    events.push(await transition(q, c, 'mediation.opened', { mediationId: m.id, bookingToOpenSeconds: seconds(fresh.scheduled_at, now) }, actorId(actor), now));
  });
}

/** The mediator records the outcome of the open mediation; an agreement then waits for both parties' signatures. */
export async function recordOutcome(ctx: CoreContext, tenant: string, m: MediationRow, actor: MediationActor, body: OutcomeBody): Promise<void> {
  requireFeature(ctx.cities.get(tenant), 'mediation_rooms');
  const now = ctx.clock.now();
  let outcome: MediationOutcome;
  if (body.agreed) {
    if (body.payer === body.payee) throw Errors.validation('the payer and the payee must be different parties', { field: 'payee' });
    const roles = body.parties.map((p) => p.role).sort().join();
    if (roles !== 'A,B') throw Errors.validation('name both parties, A and B, once each', { field: 'parties' });
    outcome = { agreed: true, parties: [...body.parties].sort((a, b) => a.role.localeCompare(b.role)), payer: body.payer, payee: body.payee, amountFen: body.amountFen, terms: body.terms?.trim() ?? '' };
  } else {
    outcome = { agreed: false, reason: body.reason.trim() };
  }
  const sms = await inTx(ctx, tenant, async (q, events) => {
    const c = await lockCase(q, tenant, m.case_id);
    const fresh = (await mediationsRepo.get(q, m.id, { lock: true }))!;
    if (fresh.status !== 'open') throw Errors.mediationStatus(`the mediation is ${fresh.status}: an outcome is recorded once, after it opened`, { status: fresh.status });
    const partyB = fresh.party_b_phone ?? c.party_b_phone;
    if (outcome.agreed && !partyB) throw Errors.validation('party B’s phone is not known: book the mediation with partyBPhone so they can sign', { field: 'partyBPhone' });
    await mediationsRepo.record(q, m.id, outcome, actorId(actor), now);
    events.push(await transition(q, c, 'mediation.recorded', outcome.agreed
      ? { mediationId: m.id, agreed: true, amountFen: outcome.amountFen }
      : { mediationId: m.id, agreed: false, reason: outcome.reason }, actorId(actor), now));
    if (!outcome.agreed) return [];
    const text = `您的事故（${c.number}）调解已达成协议。请打开${ctx.cities.get(tenant).profile.city.zh}事故快处核对调解协议，并以短信验证码签名确认。`;
    const out: Array<string | null> = [];
    for (const to of new Set([c.party_phone, partyB!])) {
      out.push(await queueSms(q, { kind: 'other', params: { number: c.number }, text, to, caseId: c.id, key: `sms:mediation-sign:${m.id}:${to}`, at: now }));
    }
    return out;
  });
  await sendSmsNow(ctx, tenant, sms);
}

/** The mediation must wait for this party's signature: agreed, not yet signed by them. */
function assertCanSign(m: MediationRow, role: MediationRole): void {
  if (m.status === 'signed' || (role === 'A' ? m.a_signed_at : m.b_signed_at)) {
    const at = role === 'A' ? m.a_signed_at : m.b_signed_at;
    throw Errors.alreadySigned('you have already signed this mediation agreement', { role, ...(at ? { signedAt: new Date(at).toISOString() } : {}) });
  }
  if (m.status !== 'agreed') throw Errors.mediationStatus(`there is no agreement to sign while the mediation is ${m.status}`, { status: m.status });
}

/** Sends the signing code to the party's own phone (the photo path's signing codes and throttles). */
export async function sendMediationSignCode(ctx: CoreContext, tenant: string, m: MediationRow, role: MediationRole, phone: string, client: string) {
  assertCanSign(m, role);
  return sendCode(ctx, tenant, phone, signingClient(client));
}

/** The party signs with the code; the second signature issues the 调解协议书 (PDF stored, both parties served by SMS). */
export async function signMediation(
  ctx: CoreContext, tenant: string, m: MediationRow, role: MediationRole, phone: string,
  code: { code: string; challenge: string; client: string },
): Promise<void> {
  assertCanSign(m, role);
  await checkCode(ctx, tenant, phone, code.code, code.challenge, signingClient(code.client));
  const city = ctx.cities.get(tenant);
  const issued = await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, m.case_id);
    const fresh = (await mediationsRepo.get(q, m.id, { lock: true }))!;
    assertCanSign(fresh, role);
    if (!(await mediationsRepo.sign(q, m.id, role, now))) throw Errors.alreadySigned('you have already signed this mediation agreement', { role });
    events.push(await transition(q, c, 'mediation.signed', { mediationId: m.id, role, method: 'sms_code' }, `party:${role}`, now));
    const signed = { A: role === 'A' ? now : fresh.a_signed_at, B: role === 'B' ? now : fresh.b_signed_at };
    if (!signed.A || !signed.B) return false;

    // Both signed: the 调解协议书.
    const o = fresh.outcome;
    if (!o?.agreed) throw Errors.mediationStatus('the mediation has no agreed outcome', { status: fresh.status });
    const chain = verifyChain(await listEvidence(q, tenant, c.id));
    if (!chain.ok) throw Errors.transitionNotAllowed(`the evidence chain is broken at item ${chain.brokenAt}; the mediation agreement cannot be issued`);
    const year = toLocal(now, city.profile.timezone).year;
    const number = `${city.profile.determination?.documentPrefix ?? tenant.toUpperCase()}-TJ-${year}-${String(await nextCounter(q, `mediation-${year}`)).padStart(6, '0')}`;
    const label = (r: MediationRole) => ROLES[r === 'A' ? 0 : 1]!;
    const phones = { A: c.party_phone, B: (fresh.party_b_phone ?? c.party_b_phone)! };
    const determination = await determinationsRepo.get(q, c.id);
    const signatures: DocumentSignature[] = o.parties.map((p) => ({
      role: label(p.role), name: p.name, at: new Date(signed[p.role]!).toISOString(), method: 'sms_code', phone: maskPhone(phones[p.role]),
    }));
    const heldAt = new Date(fresh.opened_at ?? fresh.starts_at);
    const content: Omit<DeterminationDocument, 'verification'> = {
      kind: 'mediation',
      signatures,
      mediation: { mediator: fresh.mediator_name ?? '', payer: label(o.payer), payee: label(o.payee), amountFen: o.amountFen, terms: o.terms, heldAt: heldAt.toISOString() },
      number,
      bureau: city.profile.bureau.zh,
      brigade: c.decision.brigade?.name.zh ?? city.profile.bureau.zh,
      city: city.profile.city.zh,
      timeZone: city.profile.timezone,
      issuedAt: now,
      accident: {
        time: new Date(c.reported_at),
        address: c.report.address ?? '',
        district: c.district ?? '',
        lng: c.report.location.lng,
        lat: c.report.location.lat,
        type: KIND_NAMES[c.report.kind]?.zh ?? '交通事故',
      },
      facts: determination?.facts
        ?? `${localDateTime(new Date(c.reported_at), city.profile.timezone)}，在${c.report.address || c.district || city.profile.city.zh}发生道路交通事故（案件编号${c.number}），双方当事人就损害赔偿申请线上调解。`,
      parties: o.parties.map((p) => ({ name: p.name, role: label(p.role), plate: p.plate, vehicleClass: '', insurer: '', faultBehaviour: '—', liability: p.liability })),
      evidenceChainHead: chain.head,
      reviewWindowDays: city.profile.review.windowDays,
    };
    const contentSha256 = determinationContentSha256(content);
    const verifyCode = documentCode(number, contentSha256, ctx.documentSecret);
    await mediationsRepo.issue(q, m.id, {
      number, parties: o.parties.map((p) => ({ role: p.role, name: p.name, plate: p.plate, liability: p.liability })),
      content: canonicalJson(content), contentSha256, verifyCode, issuedAt: now,
    });
    events.push(await transition(q, c, 'mediation.agreed', {
      mediationId: m.id, agreementNo: number, verifyCode, amountFen: o.amountFen,
      bookingToAgreementSeconds: seconds(fresh.scheduled_at, now), openToAgreementSeconds: seconds(heldAt, now),
    }, `party:${role}`, now));
    return true;
  });
  if (!issued) return;
  await prepareMediationDocument(ctx, tenant, m.id);
  await serveMediation(ctx, tenant, m.id);
}

/** Renders and stores the PDF of the mediation agreement, unless stored already; returns its SHA-256. */
export async function prepareMediationDocument(ctx: CoreContext, tenant: string, mediationId: string): Promise<string> {
  const db = tenantDb(ctx, tenant);
  const m = await mediationsRepo.get(db, mediationId);
  if (!m?.content || !m.verify_code) throw Errors.notFound('no mediation agreement');
  if (m.document_sha256) return m.document_sha256;
  // The stored content is what was hashed and coded: the PDF prints exactly that (dates revived from their ISO text).
  const stored = m.content as DeterminationContent & { issuedAt: string; accident: { time: string } };
  const content: DeterminationContent = { ...stored, issuedAt: new Date(stored.issuedAt), accident: { ...stored.accident, time: new Date(stored.accident.time) } };
  const pdf = await renderDeterminationPdf({ ...content, verification: { url: `${ctx.publicUrl}/verify/${m.verify_code}`, code: m.verify_code } });
  const file = await ctx.files.put(pdf, 'application/pdf');
  if (await mediationsRepo.setDocument(db, mediationId, file.sha256)) return file.sha256;
  return (await mediationsRepo.get(db, mediationId))?.document_sha256 ?? file.sha256;
}

/** Serves the mediation agreement to both parties by SMS (once). */
async function serveMediation(ctx: CoreContext, tenant: string, mediationId: string): Promise<void> {
  const city = ctx.cities.get(tenant);
  const sms = await inTx(ctx, tenant, async (q) => {
    const now = ctx.clock.now();
    const m = (await mediationsRepo.get(q, mediationId, { lock: true }))!;
    if (!(await mediationsRepo.markServed(q, mediationId, now))) return [];
    const c = await getCase(q, tenant, m.case_id);
    const text = `您的事故（${c.number}）调解协议书已生效，编号${m.number}。核验码 ${m.verify_code}，可在 ${ctx.publicUrl}/verify/${m.verify_code} 核验。【${city.profile.city.zh}】`;
    const out: Array<string | null> = [];
    for (const to of new Set([c.party_phone, (m.party_b_phone ?? c.party_b_phone)!])) {
      out.push(await queueSms(q, { kind: 'other', params: { number: c.number, docNo: m.number!, code: m.verify_code! }, text, to, caseId: c.id, key: `sms:mediation-issued:${mediationId}:${to}`, at: now }));
    }
    return out;
  });
  await sendSmsNow(ctx, tenant, sms);
}

const seconds = (from: Date | string, to: Date) => Math.max(0, (to.getTime() - new Date(from).getTime()) / 1000);
