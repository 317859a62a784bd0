/**
 * Automatic checks (系统自动核验): the driver's licence, the vehicle's registration and its
 * 交强险 through the registry port, plates by OCR, identity by face comparison. Each result is
 * an evidence item of the checklist line that asks for that check, so it is hash-chained too.
 * What the seat sees is masked; the full answer stays with the registry. A driver is told apart
 * from another by a keyed hash of the ID number (the checklist counts each driver once, and two
 * drivers whose masked numbers look alike twice); an ID number whose check digit is wrong is
 * refused before the registry is asked, so a typo never counts as a checked driver.
 *
 * OCR (Kunming's `plate_ocr`) reads a photo the seat already took in this case (plateReading.ts:
 * the reading with its text, confidence and box, which the seat confirms or corrects).
 * Face (`face_match`, faceCheck.ts): a photo of the driver captured from the call against the
 * licence photo the same driver check returned (one registry call serves both lines).
 */
import { createHmac } from 'node:crypto';
import type { EvidenceItem } from '../generated/types.ts';
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import type { CheckResult } from '../ports/registry.ts';
import { maskIdNumber, maskName } from '../privacy/mask.ts';
import { addEvidence, type EvidenceRow } from './evidence.ts';
import { readPlatePhoto } from './plateReading.ts';
import { compareFaces } from './faceCheck.ts';
import type { StoredFile } from '../ports/files.ts';

type CheckName = NonNullable<EvidenceItem['check']>;

export interface CheckRequest {
  driver?: { name: string; idNumber: string };
  plate?: string;
  /** SHA-256 of a photo of this case to read the plate from (OCR). */
  plateImage?: string;
  /** SHA-256 of a photo of this case showing the driver's face (a frame of the call), held against the licence photo on record (face_match). */
  faceImage?: string;
}

/** Runs the registry checks the request allows and records each one the checklist asks for. */
export async function runRegistryChecks(ctx: CoreContext, tenant: string, caseId: string, actor: string, req: CheckRequest): Promise<EvidenceRow[]> {
  const city = ctx.cities.get(tenant);
  const registry = ctx.ports.get(tenant, 'registry');
  const wanted = new Map<CheckName, string>();
  for (const item of city.profile.evidence.checklist) if (item.kind === 'check' && item.check) wanted.set(item.check, item.id);
  const results: Array<[CheckName, CheckResult, Record<string, unknown>, { data?: Record<string, unknown>; file?: StoredFile }?]> = [];
  const face = req.faceImage && wanted.has('face_match') ? req.faceImage : undefined;
  if (face && !req.driver) throw Errors.validation('faceImage: give the driver (name, ID number) whose licence photo the face is compared with', { field: 'driver' });
  if (req.driver && (wanted.has('driver_licence') || face)) {
    const id = req.driver.idNumber.toUpperCase();
    if (!idCheckDigitOk(id)) throw Errors.validation(`driver.idNumber: 身份证号码校验位不符（${maskIdNumber(id)}），请核对后重新输入`, { field: 'driver.idNumber' });
    const r = await registry.verifyDriver({ tenant, name: req.driver.name, idNumber: id });
    const key = createHmac('sha256', ctx.documentSecret).update(`driver:${tenant}:${id}`).digest('hex').slice(0, 24);
    const who = { name: maskName(req.driver.name), idNumber: maskIdNumber(id), key };
    if (wanted.has('driver_licence')) results.push(['driver_licence', r, who]);
    if (face) {
      const line = city.profile.evidence.checklist.find((i) => i.check === 'face_match');
      const f = await compareFaces(ctx, tenant, caseId, face, r, line?.threshold);
      results.push(['face_match', f.result, { ...who, photo: face }, { data: f.data, ...(f.file ? { file: f.file } : {}) }]);
    }
  }
  if (req.plate && wanted.has('vehicle_registration')) results.push(['vehicle_registration', await registry.verifyVehicle({ tenant, plate: req.plate }), { plate: req.plate }]);
  if (req.plate && wanted.has('compulsory_insurance')) {
    const r = await registry.verifyInsurance({ tenant, plate: req.plate, at: ctx.clock.now() });
    results.push(['compulsory_insurance', r, { plate: req.plate, insurerId: r.insurerId ?? null, policyNumber: r.policyNumber ?? null }]);
  }
  if (req.plateImage && wanted.has('plate_ocr')) results.push(['plate_ocr', ...(await readPlatePhoto(ctx, tenant, caseId, req.plateImage, req.plate))]);
  if (!results.length) throw Errors.validation('nothing to check: give a driver (name, ID number), a plate, a plate photo (plateImage) or a face photo with its driver (faceImage) that the checklist asks about');
  const rows: EvidenceRow[] = [];
  for (const [check, r, subject, extra] of results) {
    rows.push(await addEvidence(ctx, tenant, caseId, actor, {
      item: wanted.get(check)!,
      ...(extra?.file ? { file: extra.file } : {}),
      data: {
        check, ok: r.ok, status: r.status, detail: r.detail, checkedAt: r.checkedAt.toISOString(), subject, result: r.data ?? {}, ...extra?.data,
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
