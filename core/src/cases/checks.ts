/**
 * Automatic checks (系统自动核验): the driver's licence, the vehicle's registration and its
 * 交强险 through the registry port, plates by OCR, identity by face comparison. Each result is
 * an evidence item of the checklist line that asks for that check, so it is hash-chained too.
 * What the seat sees is masked; the full answer stays with the registry. A driver is told apart
 * from another by a keyed hash of the ID number (the checklist counts each driver once, and two
 * drivers whose masked numbers look alike twice); an ID number whose check digit is wrong is
 * refused before the registry is asked, so a typo never counts as a checked driver.
 *
 * OCR (Kunming's `plate_ocr`) reads a photo the seat already took in this case: it passes when
 * the port reads a plate with enough confidence and, when the seat also typed the plate, it
 * is the same plate.
 */
import { createHmac } from 'node:crypto';
import type { EvidenceItem } from '../generated/types.ts';
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import type { CheckResult } from '../ports/registry.ts';
import type { OcrPort } from '../ports/recognition.ts';
import { maskIdNumber, maskName } from '../privacy/mask.ts';
import { addEvidence, caseFileType, type EvidenceRow } from './evidence.ts';

type CheckName = NonNullable<EvidenceItem['check']>;

export interface CheckRequest {
  driver?: { name: string; idNumber: string };
  plate?: string;
  /** SHA-256 of a photo of this case to read the plate from (OCR). */
  plateImage?: string;
}

/** Below this the OCR's reading is not trusted as a check (the seat reads the plate instead). */
export const OCR_MIN_CONFIDENCE = 0.9;

/** Runs the registry checks the request allows and records each one the checklist asks for. */
export async function runRegistryChecks(ctx: CoreContext, tenant: string, caseId: string, actor: string, req: CheckRequest): Promise<EvidenceRow[]> {
  const city = ctx.cities.get(tenant);
  const registry = ctx.ports.get(tenant, 'registry');
  const wanted = new Map<CheckName, string>();
  for (const item of city.profile.evidence.checklist) if (item.kind === 'check' && item.check) wanted.set(item.check, item.id);
  const results: Array<[CheckName, CheckResult, Record<string, unknown>]> = [];
  if (req.driver && wanted.has('driver_licence')) {
    const id = req.driver.idNumber.toUpperCase();
    if (!idCheckDigitOk(id)) throw Errors.validation(`driver.idNumber: 身份证号码校验位不符（${maskIdNumber(id)}），请核对后重新输入`, { field: 'driver.idNumber' });
    const r = await registry.verifyDriver({ tenant, name: req.driver.name, idNumber: id });
    const key = createHmac('sha256', ctx.documentSecret).update(`driver:${tenant}:${id}`).digest('hex').slice(0, 24);
    results.push(['driver_licence', r, { name: maskName(req.driver.name), idNumber: maskIdNumber(id), key }]);
  }
  if (req.plate && wanted.has('vehicle_registration')) results.push(['vehicle_registration', await registry.verifyVehicle({ tenant, plate: req.plate }), { plate: req.plate }]);
  if (req.plate && wanted.has('compulsory_insurance')) {
    const r = await registry.verifyInsurance({ tenant, plate: req.plate, at: ctx.clock.now() });
    results.push(['compulsory_insurance', r, { plate: req.plate, insurerId: r.insurerId ?? null, policyNumber: r.policyNumber ?? null }]);
  }
  if (req.plateImage && wanted.has('plate_ocr')) results.push(['plate_ocr', ...(await readPlate(ctx, tenant, caseId, req.plateImage, req.plate))]);
  if (!results.length) throw Errors.validation('nothing to check: give a driver (name, ID number), a plate or a plate photo (plateImage) that the checklist asks about');
  const rows: EvidenceRow[] = [];
  for (const [check, r, subject] of results) {
    rows.push(await addEvidence(ctx, tenant, caseId, actor, {
      item: wanted.get(check)!,
      data: {
        check, ok: r.ok, status: r.status, detail: r.detail, checkedAt: r.checkedAt.toISOString(), subject, result: r.data ?? {},
        // The registry could not answer (down, breaker open): the seat verifies the papers by hand and the call goes on (checklist.ts).
        ...(r.status === 'unavailable' && check !== 'plate_ocr' ? { verifyManually: true } : {}),
      },
      byCheck: true,
    }));
  }
  return rows;
}

/** GB 11643: the 18th character is the ISO 7064 MOD 11-2 check of the first 17 digits. */
export function idCheckDigitOk(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17];
}

/** OCR of a photo already in this case's evidence, as a check result. */
async function readPlate(ctx: CoreContext, tenant: string, caseId: string, sha256: string, typed: string | undefined): Promise<[CheckResult, Record<string, unknown>]> {
  const contentType = await caseFileType(ctx, tenant, caseId, sha256, { photo: true });
  const image = contentType && (await ctx.files.get(sha256));
  if (!contentType || !image) throw Errors.validation('plateImage: not a photo of this case (upload it as evidence first)');
  const ocr: OcrPort = ctx.ports.get(tenant, 'ocr');
  const reading = await ocr.readPlate({ tenant, image, contentType });
  const norm = (p: string) => p.replace(/[\s·•.\-]/g, '').toUpperCase();
  const checkedAt = ctx.clock.now();
  const subject = { photo: sha256, plate: reading.plate, confidence: reading.confidence };
  if (!reading.plate || reading.confidence < OCR_MIN_CONFIDENCE) {
    return [{ ok: false, status: 'not_found', detail: '未能从照片识别车牌，请重新拍摄车牌近景', checkedAt }, subject];
  }
  if (typed && norm(typed) !== norm(reading.plate)) {
    return [{ ok: false, status: 'invalid', detail: `照片识别的车牌 ${reading.plate} 与登记的 ${typed} 不一致`, checkedAt }, subject];
  }
  return [{ ok: true, status: 'valid', detail: `车牌识别：${reading.plate}（置信度 ${Math.round(reading.confidence * 100)}%）`, checkedAt }, subject];
}
