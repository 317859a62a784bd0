/**
 * The self-negotiated agreement (自行协商协议书) of the photo path: each party signs the
 * proposed liability with an SMS code to their own phone (the electronic signature: who, when,
 * how); the second signature issues the agreement — the determinations table's second kind of
 * document, numbered per year, its content hashed and coded like the e-determination, so the
 * same PDF machinery (documentIssue.ts) renders it and /verify checks it — and both parties get
 * it by SMS.
 */
import type { DeterminationDocument, DocumentSignature } from '../documents/determinationDocument.ts';
import { ROLES } from '../documents/determinationDocument.ts';
import { canonicalJson, determinationContentSha256, documentCode } from '../documents/verification.ts';
import { VEHICLE_CLASS_NAMES } from '../documents/vehicleClasses.ts';
import { inTx, tenantDb, type CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import { checkCode, sendCode } from '../auth/otp.ts';
import { casesRepo } from '../persistence/cases.ts';
import { determinationsRepo, nextCounter } from '../persistence/determinations.ts';
import { photoCasesRepo, photoPartiesRepo, type PartyRole, type PhotoPartyRow } from '../persistence/photoCases.ts';
import { lockCase, transition, type CaseRow } from '../cases/repository.ts';
import { listEvidence, verifyChain } from '../cases/evidence.ts';
import { prepareDocument } from '../cases/documentIssue.ts';
import { KIND_NAMES } from '../policy/reasons.ts';
import { toLocal } from '../policy/localTime.ts';
import { maskPhone } from '../privacy/mask.ts';
import { agreementSms } from '../sms/messages.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';
import type { PhotoStatement } from '../generated/types.ts';

const WEATHER: Record<PhotoStatement['weather'], string> = { sunny: '晴', cloudy: '阴', rain: '雨', snow: '雪', fog: '雾', other: '其他' };
const COLLISION: Record<PhotoStatement['collisionForm'], string> = {
  rear_end: '追尾', side_swipe: '刮擦', head_on: '正面相撞', angle: '侧面相撞', reversing: '倒车相撞', door_opening: '开关车门碰撞', other: '其他碰撞',
};
const PARTS: Record<PhotoStatement['damagedParts'][number], string> = {
  front_bumper: '前保险杠', rear_bumper: '后保险杠', left_front: '左前部', right_front: '右前部', left_rear: '左后部', right_rear: '右后部',
  left_side: '左侧', right_side: '右侧', other: '其他部位',
};

/** The case must wait for this party's signature: agreement_pending, a proposal, not yet signed. */
async function assertCanSign(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole): Promise<void> {
  const db = tenantDb(ctx, tenant);
  const c = await casesRepo.get(db, caseId);
  if (!c || c.path !== 'photo') throw Errors.caseNotFound('no such photo case');
  if (c.state !== 'agreement_pending') throw Errors.transitionNotAllowed(`there is no proposal to sign while the case is ${c.state}`, { state: c.state, event: 'photo.signed' });
  const me = (await photoPartiesRepo.ofCase(db, caseId)).find((p) => p.role === role);
  if (me?.signed_at) throw Errors.alreadySigned(undefined, { role, signedAt: new Date(me.signed_at).toISOString() });
}

/**
 * Sends the signing code to the party's own phone (the sign-in codes' machinery and throttles).
 * The client's one-a-minute limit is counted apart from its sign-in codes (a party who just signed
 * in may sign at once); the phone's hourly ceiling counts both.
 */
export async function sendSignCode(ctx: CoreContext, tenant: string, caseId: string, role: PartyRole, phone: string, client: string) {
  await assertCanSign(ctx, tenant, caseId, role);
  return sendCode(ctx, tenant, phone, signingClient(client));
}

/** The client key signing codes are counted (and checked) under. */
export const signingClient = (client: string) => `sign:${client}`;

/**
 * The party signs with the code. The second signature issues the agreement: returns the case
 * after the PDF is stored and both parties are served.
 */
export async function signAgreement(
  ctx: CoreContext, tenant: string, caseId: string, role: PartyRole, phone: string,
  code: { code: string; challenge: string; client: string },
): Promise<CaseRow> {
  await assertCanSign(ctx, tenant, caseId, role);
  await checkCode(ctx, tenant, phone, code.code, code.challenge, signingClient(code.client));
  const city = ctx.cities.get(tenant);
  const { c, issued } = await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    const p = await photoCasesRepo.get(q, caseId, { lock: true });
    if (!p?.liability || c.state !== 'agreement_pending') throw Errors.transitionNotAllowed(`there is no proposal to sign while the case is ${c.state}`, { state: c.state, event: 'photo.signed' });
    if (!(await photoPartiesRepo.sign(q, caseId, role, now))) throw Errors.alreadySigned(undefined, { role });
    events.push(await transition(q, c, 'photo.signed', { role, method: 'sms_code' }, `party:${role}`, now));
    const parties = await photoPartiesRepo.ofCase(q, caseId);
    if (!parties.every((x) => x.signed_at) || parties.length < 2) return { c, issued: false };

    // Both signed: the agreement.
    const items = await listEvidence(q, tenant, caseId);
    const chain = verifyChain(items);
    if (!chain.ok) throw Errors.transitionNotAllowed(`the evidence chain is broken at item ${chain.brokenAt}; the agreement cannot be issued`);
    const year = toLocal(now, city.profile.timezone).year;
    const counter = await nextCounter(q, `agreement-${year}`);
    const number = `${city.profile.determination?.documentPrefix ?? tenant.toUpperCase()}-XY-${year}-${String(counter).padStart(6, '0')}`;
    const byRole = (r: PartyRole) => parties.find((x) => x.role === r)!;
    const liability = p.liability.parties;
    const insurers = city.profile.claims.insurers;
    const docParties = liability.map((l, i) => {
      const d = byRole(l.role).details!;
      return {
        name: d.licence.name, role: ROLES[i]!, plate: d.vehicle.plate,
        vehicleClass: d.vehicle.class ? VEHICLE_CLASS_NAMES[d.vehicle.class] : '',
        insurer: insurers.find((x) => x.id === d.vehicle.insurerId)?.legalName ?? '',
        faultBehaviour: l.faultBehaviour, liability: l.liability,
      };
    });
    const signatures: DocumentSignature[] = liability.map((l, i) => ({
      role: ROLES[i]!, name: byRole(l.role).details!.licence.name, at: new Date(byRole(l.role).signed_at!).toISOString(), method: 'sms_code', phone: maskPhone(byRole(l.role).phone),
    }));
    const a = byRole('A').details!.statement;
    const content: Omit<DeterminationDocument, 'verification'> = {
      kind: 'agreement',
      signatures,
      number,
      bureau: city.profile.bureau.zh,
      brigade: c.decision.brigade?.name.zh ?? city.profile.bureau.zh,
      city: city.profile.city.zh,
      timeZone: city.profile.timezone,
      issuedAt: now,
      accident: {
        time: new Date(a.time),
        address: a.place || c.report.address || '',
        district: c.district ?? '',
        lng: c.report.location.lng,
        lat: c.report.location.lat,
        type: COLLISION[a.collisionForm] ?? KIND_NAMES[c.report.kind]!.zh,
      },
      facts: factsText(city.profile.timezone, parties, liability.map((l) => l.role)),
      parties: docParties,
      evidenceChainHead: chain.head,
      reviewWindowDays: city.profile.review.windowDays,
    };
    const contentSha256 = determinationContentSha256(content);
    const verifyCode = documentCode(number, contentSha256, ctx.documentSecret);
    await determinationsRepo.upsert(q, {
      caseId, number, kind: 'agreement',
      parties: liability.map((l) => ({ role: l.role, name: byRole(l.role).details!.licence.name, phone: byRole(l.role).phone, plate: byRole(l.role).details!.vehicle.plate, insurerId: byRole(l.role).details!.vehicle.insurerId, faultBehaviour: l.faultBehaviour, liability: l.liability })),
      facts: content.facts, chainHead: chain.head, content: canonicalJson(content), contentSha256, documentSha256: null, verifyCode, issuedBy: null, issuedAt: now,
    });
    const seconds = Math.max(0, (now.getTime() - new Date(c.reported_at).getTime()) / 1000);
    events.push(await transition(q, c, 'photo.agreed', { agreementNo: number, verifyCode, grades: liability.map((l) => l.liability), reportToAgreementSeconds: seconds }, `party:${role}`, now));
    return { c, issued: true };
  });
  if (!issued) return c;
  await prepareDocument(ctx, tenant, caseId);
  return serveAgreement(ctx, tenant, caseId);
}

/** 事故事实 of the agreement, from both parties' statements (A's time, place and weather; each party's damage). */
function factsText(timeZone: string, parties: readonly PhotoPartyRow[], order: readonly PartyRole[]): string {
  const a = parties.find((p) => p.role === 'A')!.details!;
  const t = toLocal(new Date(a.statement.time), timeZone);
  const when = `${t.year}年${t.month}月${t.day}日${String(Math.floor(t.minute / 60)).padStart(2, '0')}时${String(t.minute % 60).padStart(2, '0')}分`;
  const who = order.map((r, i) => {
    const d = parties.find((p) => p.role === r)!.details!;
    return `${ROLES[i]}${d.licence.name}驾驶${d.vehicle.plate}（受损部位：${d.statement.damagedParts.map((x) => PARTS[x]).join('、')}）`;
  });
  const accounts = order.map((r, i) => {
    const s = parties.find((p) => p.role === r)!.details!.statement.account?.trim();
    return s ? `${ROLES[i]}陈述：${s}` : '';
  }).filter(Boolean);
  const text = `${when}，天气${WEATHER[a.statement.weather]}，在${a.statement.place}，${who.join('与')}发生${COLLISION[a.statement.collisionForm]}，无人员受伤。${accounts.join('；')}${accounts.length ? '。' : ''}`;
  return Array.from(text).slice(0, 1200).join('');
}

/** Issues the stored agreement to both parties by SMS (once: a second call finds it served). */
export async function serveAgreement(ctx: CoreContext, tenant: string, caseId: string): Promise<CaseRow> {
  const city = ctx.cities.get(tenant);
  const db = tenantDb(ctx, tenant);
  const d = await determinationsRepo.get(db, caseId);
  if (!d || d.kind !== 'agreement') throw Errors.caseNotFound();
  if (!d.document_sha256) throw Errors.transitionNotAllowed('the agreement is still being prepared');
  const { c, sms } = await inTx(ctx, tenant, async (q) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    const fresh = await determinationsRepo.get(q, caseId);
    if (fresh?.served_at) return { c, sms: [] };
    await determinationsRepo.markServed(q, caseId, now);
    const content = agreementSms(city, { caseNumber: c.number, docNo: d.number, verifyCode: d.verify_code, publicUrl: ctx.publicUrl });
    const sms: Array<string | null> = [];
    for (const to of new Set([c.party_phone, ...(c.party_b_phone ? [c.party_b_phone] : [])])) {
      sms.push(await queueSms(q, { ...content, to, caseId, key: `sms:agreement:${caseId}:${d.number}:${to}`, at: now }));
    }
    return { c, sms };
  });
  await sendSmsNow(ctx, tenant, sms);
  return c;
}
