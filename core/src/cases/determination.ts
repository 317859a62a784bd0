/**
 * Back-office determination (后台定责): an officer records each party's fault behaviour and
 * liability grade; the e-determination (事故认定书, simple procedure) is rendered, stored with
 * its hash, given a public verification code, and served by SMS and in the app.
 */
import type { DeterminationBody } from '../generated/types.ts';
import type { AccidentReport, LiabilityGrade, VehicleClass } from '../generated/types.ts';
import { inTx, tenantDb, type CoreContext } from '../context.ts';
import { casesRepo } from '../persistence/cases.ts';
import { determinationsRepo, nextCounter } from '../persistence/determinations.ts';
import { Errors } from '../errors.ts';
import { liabilityProblem as gradesProblem, type Grade, type LiabilityProblem } from '@kuaichu/rules';
import type { DeterminationDocument, PartyRoleLabel } from '../documents/determinationPdf.ts';
import { finishDeterminations, prepareDocument } from './documentIssue.ts';
import { canonicalJson, determinationContentSha256, documentCode } from '../documents/verification.ts';
import { KIND_NAMES } from '../policy/reasons.ts';
import { toLocal } from '../policy/localTime.ts';
import { assertAllowed, lockCase, transition, type CaseRow } from './repository.ts';
import { listEvidence, verifyChain, type EvidenceRow } from './evidence.ts';
import { normalizePlate } from './parties.ts';
import { VEHICLE_CLASS_NAMES } from '../documents/vehicleClasses.ts';
import { enqueueDeterminationShares } from '../deliveries/claims.ts';
import { determinationSms } from '../sms/messages.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';
import { serveAgreement } from '../photoPath/agreement.ts';

const ROLES: PartyRoleLabel[] = ['甲方', '乙方', '丙方', '丁方'];

/** The schema's grades and the rule's are the same set: this line stops compiling when they part. */
const SAME_GRADES: [LiabilityGrade, Grade] extends [Grade, LiabilityGrade] ? true : never = true;
void SAME_GRADES;

/** The rule's problems as the API words them (the message of 422 KC_LIABILITY_INCONSISTENT). */
const PROBLEM_TEXT: Record<LiabilityProblem, string> = {
  single_party: 'a single party is fully liable or not liable',
  full_twice: 'only one party can bear full liability',
  full_needs_none: 'with one party at full liability, every other party has none',
  primary_twice: 'only one party can bear primary liability',
  primary_needs_secondary: 'primary liability needs a party with secondary liability',
  equal_alone: 'equal liability is shared by at least two parties',
  secondary_needs_primary: 'secondary liability needs a party with primary (or two with equal) liability',
};

/** Whether the grades fit together (the shared rule, @kuaichu/rules), worded for the API; null when they do. */
export function liabilityProblem(grades: readonly LiabilityGrade[]): string | null {
  const problem = gradesProblem(grades);
  return problem && PROBLEM_TEXT[problem];
}

/** Items no later item corrects. */
function currentItems(items: readonly EvidenceRow[]): EvidenceRow[] {
  const superseded = new Set(items.map((i) => i.supersedes).filter(Boolean));
  return items.filter((i) => !superseded.has(i.id));
}

/**
 * 车辆类型: the officer's choice, else the class the party reported for that plate, else what
 * the registry's vehicle check said of it (e.g. 小型轿车).
 */
function vehicleClassText(chosen: VehicleClass | undefined, plate: string, report: AccidentReport, items: readonly EvidenceRow[]): string {
  if (chosen) return VEHICLE_CLASS_NAMES[chosen];
  const p = normalizePlate(plate);
  const reported = (report.vehicles ?? []).find((v) => v.plate && normalizePlate(v.plate) === p)?.class;
  if (reported) return VEHICLE_CLASS_NAMES[reported];
  const checked = items.filter((i) => i.data.check === 'vehicle_registration' && normalizePlate(String((i.data.subject as { plate?: string } | undefined)?.plate ?? '')) === p);
  const name = (checked.pop()?.data.result as { vehicleClassName?: unknown } | undefined)?.vehicleClassName;
  return typeof name === 'string' ? name : '';
}

export async function determine(ctx: CoreContext, tenant: string, caseId: string, officerId: string, body: DeterminationBody): Promise<CaseRow> {
  const problem = liabilityProblem(body.parties.map((p) => p.liability));
  if (problem) throw Errors.liabilityInconsistent(problem, { grades: body.parties.map((p) => p.liability) });
  const city = ctx.cities.get(tenant);
  const insurers = city.profile.claims.insurers;
  const unknown = body.parties.map((p) => p.insurerId).filter((id) => id && !insurers.some((x) => x.id === id));
  if (unknown.length) throw Errors.validation(`insurerId: ${unknown.join(', ')} is not an insurer of ${city.tenant} (${insurers.map((x) => x.id).join(', ')})`, { field: 'insurerId', allowed: insurers.map((x) => x.id) });
  const c = await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    assertAllowed(c, 'case.determined');
    const items = await listEvidence(q, tenant, caseId);
    const chain = verifyChain(items);
    if (!chain.ok) throw Errors.transitionNotAllowed(`the evidence chain is broken at item ${chain.brokenAt}; the case cannot be determined`);
    const year = toLocal(now, city.profile.timezone).year;
    const counter = await nextCounter(q, `determination-${year}`);
    const number = `${city.profile.determination?.documentPrefix ?? tenant.toUpperCase()}-${year}-${String(counter).padStart(6, '0')}`;
    const current = currentItems(items);
    const typeText = current.filter((i) => i.item === 'accident_type').map((i) => String(i.data.text ?? '')).pop() || KIND_NAMES[c.report.kind]!.zh;
    // The place as the seat confirmed or corrected it (the 'place' line), else as the party typed it.
    const place = current.filter((i) => i.item === 'place').map((i) => String(i.data.text ?? '').trim()).filter(Boolean).pop() ?? c.report.address ?? '';
    const content: Omit<DeterminationDocument, 'verification'> = {
      number,
      bureau: city.profile.bureau.zh,
      brigade: c.decision.brigade?.name.zh ?? city.profile.bureau.zh,
      city: city.profile.city.zh,
      timeZone: city.profile.timezone,
      issuedAt: now,
      accident: {
        time: new Date(c.report.occurredAt ?? c.reported_at),
        address: place || (c.district ?? ''),
        district: c.district ?? '',
        lng: c.report.location.lng,
        lat: c.report.location.lat,
        type: typeText,
      },
      facts: body.facts,
      parties: body.parties.map((p, i) => ({
        name: p.name, role: ROLES[i]!, plate: p.plate, vehicleClass: vehicleClassText(p.vehicleClass, p.plate, c.report, current),
        insurer: insurers.find((x) => x.id === p.insurerId)?.legalName ?? '',
        faultBehaviour: p.faultBehaviour, liability: p.liability,
      })),
      evidenceChainHead: chain.head,
      reviewWindowDays: city.profile.review.windowDays,
    };
    const contentSha256 = determinationContentSha256(content);
    const code = documentCode(number, contentSha256, ctx.documentSecret);
    // The PDF is rendered after the commit (documentIssue.ts): 0.2–0.5 s is not spent holding the case row.
    await determinationsRepo.upsert(q, {
      caseId, number, parties: body.parties, facts: body.facts, chainHead: chain.head, content: canonicalJson(content), contentSha256,
      documentSha256: null, verifyCode: code, issuedBy: officerId, issuedAt: now,
    });
    events.push(await transition(q, c, 'case.determined', { determinationNo: number, officerId, grades: body.parties.map((p) => p.liability) }, `officer:${officerId}`, now));
    return c;
  });
  await prepareDocument(ctx, tenant, caseId);
  return serve(ctx, tenant, caseId);
}

/** Determinations a stopped process left without their document or service, finished (the queue's beat). */
export const finishUnfinishedDeterminations = (ctx: CoreContext, tenant: string) => finishDeterminations(ctx, tenant, serve);

/** Serves the determination: an SMS to every party with a phone, and the document in the app (网办进度). */
export async function serve(ctx: CoreContext, tenant: string, caseId: string): Promise<CaseRow> {
  const city = ctx.cities.get(tenant);
  const db = tenantDb(ctx, tenant);
  const d = await determinationsRepo.get(db, caseId);
  const c0 = await casesRepo.get(db, caseId);
  if (!d || !c0) throw Errors.caseNotFound();
  // The SMS points at the document: never served before it is stored (documentIssue.ts).
  if (!d.document_sha256) throw Errors.transitionNotAllowed('the e-determination is still being prepared');
  // The photo path's agreement is issued to both parties its own way (photoPath/agreement.ts).
  if (d.kind === 'agreement') return serveAgreement(ctx, tenant, caseId);
  // Party B of a photo case (online determination) is served like party A.
  const phones = new Set([c0.party_phone, ...(c0.party_b_phone ? [c0.party_b_phone] : []), ...d.parties.map((p) => p.phone).filter((p): p is string => Boolean(p))]);
  const { c, sms } = await inTx(ctx, tenant, async (q, events) => {
    const now = ctx.clock.now();
    const c = await lockCase(q, tenant, caseId);
    await determinationsRepo.markServed(q, caseId, now);
    events.push(await transition(q, c, 'case.served', { determinationNo: d.number, verifyCode: d.verify_code }, 'system', now));
    // Served by SMS to every party with a phone, through the outbox (sent after the commit, retried while the gateway fails).
    const content = determinationSms(city, { caseNumber: c0.number, docNo: d.number, verifyCode: d.verify_code, publicUrl: ctx.publicUrl });
    const sms: Array<string | null> = [];
    for (const to of phones) sms.push(await queueSms(q, { ...content, to, caseId, key: `sms:determination:${caseId}:${d.number}:${to}`, at: now }));
    // claims.mode realtime: the insurers of the case's vehicles get the determination as served (the deliveries worker sends it).
    if (city.profile.claims.mode === 'realtime') await enqueueDeterminationShares(q, c, d, ctx.publicUrl, now);
    return { c, sms };
  });
  await sendSmsNow(ctx, tenant, sms);
  return c;
}
