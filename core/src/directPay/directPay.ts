/**
 * Injury direct-pay (人伤直赔): the officer issues a single-use QR code for the injured party of a
 * minor-injury case; a hospital of the same tenant scans it and sees only what it needs (the
 * injured party masked, the case number, the insurer), records the treatment and the amount it
 * advanced; the case's insurer sees the bill and settles it. The ledger totals what was
 * advanced and settled per tenant (the figure Yancheng reports: ¥2.35 M advanced).
 */
import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { CoreContext } from '../context.ts';
import { inTx, tenantDb } from '../context.ts';
import { Errors } from '../errors.ts';
import { getCase, lockCase, transition } from '../cases/repository.ts';
import { addEvidence } from '../cases/evidence.ts';
import { requireFeature } from '../platform/features.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import { directPayRepo, type BillRow } from '../persistence/directPay.ts';
import { codeMatches, DIRECT_PAY_CODE_HOURS, directPayCode, directPayQrUrl, normalizeDirectPayCode, scanRefusal } from './qrCode.ts';
import { maskIdNumber, maskName, maskPhone } from '../privacy/mask.ts';

export interface PartnerActor {
  tenant: string;
  /** The partner person. */
  id: string;
  orgId: string;
  /** For an insurer: its id in the profile's claims.insurers. */
  orgCode: string | null;
}

export interface IssueBody {
  injuredName: string;
  injuredIdNumber?: string;
  injuredPhone?: string;
  insurerId: string;
}

const feature = (ctx: CoreContext, tenant: string) => requireFeature(ctx.cities.get(tenant), 'injury_direct_compensation');

function insurerName(ctx: CoreContext, tenant: string, id: string): { zh: string; en: string } {
  const i = ctx.cities.get(tenant).profile.claims.insurers.find((x) => x.id === id);
  return i ? { zh: i.name.zh, en: i.name.en } : { zh: id, en: id };
}

/** The officer's view: everything, with the code and its QR (SVG) while it can still be scanned. */
export async function officerBillView(ctx: CoreContext, b: BillRow) {
  const qrUrl = directPayQrUrl(ctx.publicUrl, b.tenant, b.code);
  return {
    ...commonView(ctx, b),
    injuredName: b.injured_name,
    injuredIdNumber: b.injured_id_number ? maskIdNumber(b.injured_id_number) : null,
    injuredPhone: b.injured_phone ? maskPhone(b.injured_phone) : null,
    ...(b.status === 'issued' ? { code: b.code, qrUrl, qrSvg: await QRCode.toString(qrUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }) } : {}),
  };
}

/** What a hospital and an insurer see: the injured party masked, the case number, the insurer, the bill. */
export function partnerBillView(ctx: CoreContext, b: BillRow) {
  return {
    ...commonView(ctx, b),
    injuredName: maskName(b.injured_name),
    injuredIdNumber: b.injured_id_number ? maskIdNumber(b.injured_id_number) : null,
    injuredPhone: null,
  };
}

function commonView(ctx: CoreContext, b: BillRow) {
  return {
    id: b.id,
    caseId: b.case_id,
    caseNumber: b.case_number ?? '',
    status: b.status,
    insurerId: b.insurer_id,
    insurer: insurerName(ctx, b.tenant, b.insurer_id),
    hospital: b.hospital_name ?? null,
    treatment: b.treatment,
    amountFen: b.amount_fen === null ? null : Number(b.amount_fen),
    issuedAt: new Date(b.issued_at).toISOString(),
    expiresAt: new Date(b.expires_at).toISOString(),
    admittedAt: b.admitted_at ? new Date(b.admitted_at).toISOString() : null,
    billedAt: b.billed_at ? new Date(b.billed_at).toISOString() : null,
    settledAt: b.settled_at ? new Date(b.settled_at).toISOString() : null,
    settlementRef: b.settlement_ref,
  };
}

/** The officer issues a voucher (a QR code) for the injured party of a minor-injury case. */
export async function issueVoucher(ctx: CoreContext, tenant: string, caseId: string, officerId: string, body: IssueBody): Promise<BillRow> {
  const db = tenantDb(ctx, tenant);
  const c = await getCase(db, tenant, caseId); // another tenant's case: 404 before anything else
  feature(ctx, tenant);
  if (c.report.injury !== 'minor') throw Errors.directPayNotEligible(undefined, { injury: c.report.injury ?? 'none' });
  const insurers = ctx.cities.get(tenant).profile.claims.insurers;
  if (!insurers.some((i) => i.id === body.insurerId)) {
    throw Errors.validation(`insurerId: ${body.insurerId} is not an insurer of ${tenant}`, { field: 'insurerId', allowed: insurers.map((i) => i.id) });
  }
  const now = ctx.clock.now();
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + DIRECT_PAY_CODE_HOURS * 3600_000);
  const code = directPayCode({ tenant, id, caseId, expiresAt }, ctx.documentSecret);
  await inTx(ctx, tenant, async (q, events) => {
    const locked = await lockCase(q, tenant, caseId);
    await directPayRepo.insert(q, {
      id, case_id: caseId, code, injured_name: body.injuredName, injured_id_number: body.injuredIdNumber ?? null,
      injured_phone: body.injuredPhone ?? null, insurer_id: body.insurerId, issued_by: officerId, issued_at: now, expires_at: expiresAt,
    });
    const vouchersOfCase = (await directPayRepo.ofCase(q, caseId)).length;
    events.push(await transition(q, locked, 'direct_pay.issued', { billId: id, insurerId: body.insurerId, vouchersOfCase }, `officer:${officerId}`, now));
  });
  return (await directPayRepo.byId(db, id))!;
}

/**
 * The officer withdraws a voucher no hospital has scanned yet (issued to the wrong person, the
 * party goes elsewhere): the code is refused at scan from then on (410). A scanned voucher is a
 * hospital's bill: 409. Another case's voucher: 404. Who withdrew it and when is a note in the
 * case's evidence while the file takes evidence (before the determination); the route logs it always;
 * the case event direct_pay.revoked (with the case's revoked count) takes it out of the vouchers the
 * analytics count as issued.
 */
export async function revokeVoucher(ctx: CoreContext, tenant: string, caseId: string, billId: string, officerId: string): Promise<BillRow> {
  const db = tenantDb(ctx, tenant);
  await getCase(db, tenant, caseId);
  feature(ctx, tenant);
  const now = ctx.clock.now();
  await inTx(ctx, tenant, async (q, events) => {
    const b = await directPayRepo.byId(q, billId, true);
    if (!b || b.case_id !== caseId) throw Errors.notFound('no such direct-pay voucher on this case');
    if (!(await directPayRepo.revoke(q, billId, caseId))) throw Errors.transitionNotAllowed(`the voucher is ${b.status}`, { state: b.status });
    // The case is locked after the bill, as in every step of a bill; its revoked count is read under that lock.
    const c = await lockCase(q, tenant, caseId);
    const revokedOfCase = (await directPayRepo.ofCase(q, caseId)).filter((x) => x.status === 'revoked').length;
    events.push(await transition(q, c, 'direct_pay.revoked', { billId, revokedOfCase }, `officer:${officerId}`, now));
  });
  await addEvidence(ctx, tenant, caseId, `officer:${officerId}`, { item: 'note', data: { text: '人伤直赔码已撤销', directPay: 'revoked', billId } }).catch(() => {});
  return (await directPayRepo.byId(db, billId))!;
}

export async function billsOfCase(ctx: CoreContext, tenant: string, caseId: string): Promise<BillRow[]> {
  feature(ctx, tenant);
  return directPayRepo.ofCase(tenantDb(ctx, tenant), caseId);
}

/**
 * A hospital scans (or types) the code: the voucher is taken for that hospital in one step (the
 * code is then used). Unknown, malformed, another tenant's (row-level security: not found) or
 * altered → 404; used or revoked → 410; expired → 410.
 */
export async function scanCode(ctx: CoreContext, hospital: PartnerActor, rawCode: string): Promise<BillRow> {
  feature(ctx, hospital.tenant);
  const code = normalizeDirectPayCode(rawCode);
  if (!code) throw Errors.directPayCodeInvalid();
  const db = tenantDb(ctx, hospital.tenant);
  const now = ctx.clock.now();
  const id = await inTx(ctx, hospital.tenant, async (q, events) => {
    const b = await directPayRepo.byCode(q, code);
    if (!b || !codeMatches(code, { tenant: b.tenant, id: b.id, caseId: b.case_id, expiresAt: new Date(b.expires_at) }, ctx.documentSecret)) throw Errors.directPayCodeInvalid();
    const refusal = scanRefusal({ status: b.status, expiresAt: new Date(b.expires_at) }, now);
    if (refusal === 'expired') throw Errors.directPayCodeExpired(undefined, { expiredAt: new Date(b.expires_at).toISOString() });
    if (refusal) throw Errors.directPayCodeUsed();
    if (!(await directPayRepo.admit(q, b.id, hospital.orgId, hospital.id, now))) throw Errors.directPayCodeUsed();
    // The case is locked after the bill, as in every step of a bill (the issue locks the case alone).
    const c = await lockCase(q, hospital.tenant, b.case_id);
    events.push(await transition(q, c, 'direct_pay.admitted', { billId: b.id, hospitalOrgId: hospital.orgId }, `partner:${hospital.id}`, now));
    return b.id;
  });
  return (await directPayRepo.byId(db, id))!;
}

/** The hospital records the treatment and the amount it advanced, on a voucher it scanned. */
export async function recordTreatment(ctx: CoreContext, hospital: PartnerActor, billId: string, treatment: string, amountFen: number): Promise<BillRow> {
  feature(ctx, hospital.tenant);
  const db = tenantDb(ctx, hospital.tenant);
  const now = ctx.clock.now();
  await inTx(ctx, hospital.tenant, async (q, events) => {
    const b = await directPayRepo.byId(q, billId, true);
    if (!b || b.hospital_org_id !== hospital.orgId) throw Errors.notFound('no such direct-pay bill at your hospital');
    if (!(await directPayRepo.bill(q, billId, treatment, amountFen, now))) throw Errors.transitionNotAllowed(`the bill is ${b.status}`, { state: b.status });
    const c = await lockCase(q, hospital.tenant, b.case_id);
    const { advanced } = await caseTotals(q, b.case_id);
    events.push(await transition(q, c, 'direct_pay.billed', { billId, amountFen, advancedFenOfCase: advanced }, `partner:${hospital.id}`, now));
  });
  return (await directPayRepo.byId(db, billId))!;
}

export async function billsOfHospital(ctx: CoreContext, hospital: PartnerActor): Promise<BillRow[]> {
  feature(ctx, hospital.tenant);
  return directPayRepo.ofHospital(tenantDb(ctx, hospital.tenant), hospital.orgId);
}

/** The insurer's bills (its organisation's code is the insurer id the bills name). */
export async function billsOfInsurer(ctx: CoreContext, insurer: PartnerActor): Promise<BillRow[]> {
  feature(ctx, insurer.tenant);
  if (!insurer.orgCode) return [];
  return directPayRepo.ofInsurer(tenantDb(ctx, insurer.tenant), insurer.orgCode);
}

/** The insurer settles a billed bill of its own (another insurer's bill: 404). */
export async function settleBill(ctx: CoreContext, insurer: PartnerActor, billId: string, ref: string | undefined): Promise<BillRow> {
  feature(ctx, insurer.tenant);
  const db = tenantDb(ctx, insurer.tenant);
  const now = ctx.clock.now();
  await inTx(ctx, insurer.tenant, async (q, events) => {
    const b = await directPayRepo.byId(q, billId, true);
    if (!b || !insurer.orgCode || b.insurer_id !== insurer.orgCode || b.status === 'issued') throw Errors.notFound('no such direct-pay bill for your company');
    if (!(await directPayRepo.settle(q, billId, insurer.id, ref ?? `ZP-${billId.slice(0, 8).toUpperCase()}`, now))) {
      throw Errors.transitionNotAllowed(`the bill is ${b.status}`, { state: b.status });
    }
    const c = await lockCase(q, insurer.tenant, b.case_id);
    const { settled } = await caseTotals(q, b.case_id);
    const scanToSettlementSeconds = b.admitted_at ? Math.max(0, (now.getTime() - new Date(b.admitted_at).getTime()) / 1000) : 0;
    events.push(await transition(q, c, 'direct_pay.settled', {
      billId, amountFen: Number(b.amount_fen ?? 0), settledFenOfCase: settled, scanToSettlementSeconds,
    }, `partner:${insurer.id}`, now));
  });
  return (await directPayRepo.byId(db, billId))!;
}

/**
 * What hospitals billed and insurers settled on one case so far (fen), read under the case's
 * lock: the events carry these running totals, so the analytics keep the largest and a
 * redelivered event adds nothing.
 */
async function caseTotals(q: TenantQueryable, caseId: string): Promise<{ advanced: number; settled: number }> {
  const bills = await directPayRepo.ofCase(q, caseId);
  const sum = (ss: readonly string[]) => bills.filter((b) => ss.includes(b.status)).reduce((n, b) => n + Number(b.amount_fen ?? 0), 0);
  return { advanced: sum(['billed', 'settled']), settled: sum(['settled']) };
}

/** The tenant's ledger: counts, and the amounts advanced (billed) and settled, in fen. */
export async function ledger(ctx: CoreContext, tenant: string) {
  feature(ctx, tenant);
  const r = await directPayRepo.ledger(tenantDb(ctx, tenant));
  const advancedFen = Number(r.advanced_fen);
  const settledFen = Number(r.settled_fen);
  return { tenant, issued: r.issued, admitted: r.admitted, billed: r.billed, settled: r.settled, advancedFen, settledFen, outstandingFen: advancedFen - settledFen };
}
