/**
 * Plate OCR (Kunming's `plate_ocr`): the OCR port reads a photo the seat took in this case (a
 * frame captured from the call), and the reading is evidence — the plate, what the engine read,
 * its confidence and the box the plate stands in — for the seat to confirm or correct.
 *
 * The machine reading passes on its own when it is confident (≥ OCR_MIN_CONFIDENCE) and agrees
 * with the plate the seat typed. Either way the seat looks at the frame with the box drawn and
 * confirms the reading or corrects it: that is a new evidence item superseding the reading (the
 * chain keeps both), which passes the check because a person read the plate off the photo the
 * engine was given. A reading is reviewed once; a later correction takes a new reading.
 */
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import type { CheckResult } from '../ports/registry.ts';
import type { OcrPort } from '../ports/recognition.ts';
import { addEvidence, caseFileType, listEvidence, type EvidenceRow } from './evidence.ts';
import { tenantDb } from '../context.ts';

/** Below this the OCR's reading is not trusted as a check on its own (the seat confirms or corrects it). */
export const OCR_MIN_CONFIDENCE = 0.9;

/** The plate as the checklist compares plates: no separators, upper case. */
const norm = (p: string) => p.replace(/[\s·•.\-]/g, '').toUpperCase();

/** What a plate_ocr evidence item says about the reading (its `subject`). */
export type PlateReadingSubject = {
  /** SHA-256 of the photo read. */
  photo: string;
  /** The plate: the normalised reading, or the seat's once reviewed. */
  plate: string | null;
  confidence: number;
  /** What the engine read before normalisation (absent when the driver does not say). */
  text?: string;
  /** The plate's corners in the photo's pixels, clockwise from top-left. */
  box?: Array<[number, number]>;
};

/** OCR of a photo already in this case's evidence, as a check result and its subject. */
export async function readPlatePhoto(ctx: CoreContext, tenant: string, caseId: string, sha256: string, typed: string | undefined): Promise<[CheckResult, PlateReadingSubject]> {
  const contentType = await caseFileType(ctx, tenant, caseId, sha256, { photo: true });
  const image = contentType && (await ctx.files.get(sha256));
  if (!contentType || !image) throw Errors.validation('plateImage: not a photo of this case (upload it as evidence first)');
  const ocr: OcrPort = ctx.ports.get(tenant, 'ocr');
  const reading = await ocr.readPlate({ tenant, image, contentType });
  const checkedAt = ctx.clock.now();
  const subject: PlateReadingSubject = {
    photo: sha256, plate: reading.plate, confidence: reading.confidence,
    ...(reading.text ? { text: reading.text } : {}), ...(reading.box?.length ? { box: reading.box } : {}),
  };
  if (!reading.plate || reading.confidence < OCR_MIN_CONFIDENCE) {
    const seen = reading.plate ? `（识别为 ${reading.plate}，置信度 ${pct(reading.confidence)}，请坐席确认或更正）` : '';
    return [{ ok: false, status: 'not_found', detail: `未能从照片可靠识别车牌${seen}，请确认、更正或重新拍摄车牌近景`, checkedAt }, subject];
  }
  if (typed && norm(typed) !== norm(reading.plate)) {
    return [{ ok: false, status: 'invalid', detail: `照片识别的车牌 ${reading.plate} 与登记的 ${typed} 不一致`, checkedAt }, subject];
  }
  return [{ ok: true, status: 'valid', detail: `车牌识别：${reading.plate}（置信度 ${pct(reading.confidence)}）`, checkedAt }, subject];
}

/**
 * The seat's review of a reading: `plate` is the plate the seat reads in the photo. The same
 * plate as the reading confirms it, another corrects it; either is a new item of the same line
 * that supersedes the reading and names it (`review.reading`).
 */
export async function reviewPlateReading(ctx: CoreContext, tenant: string, caseId: string, actor: string, input: { reading: string; plate: string }): Promise<EvidenceRow> {
  const items = await listEvidence(tenantDb(ctx, tenant), tenant, caseId);
  const read = items.find((i) => i.id === input.reading);
  const data = read?.data as { check?: string; subject?: PlateReadingSubject; review?: unknown } | undefined;
  if (!read || data?.check !== 'plate_ocr' || !data.subject) throw Errors.validation('reading: not a plate reading of this case', { field: 'reading' });
  if (data.review || items.some((i) => i.supersedes === read.id)) throw Errors.validation('reading: this reading was already confirmed or corrected; take a new reading to change it', { field: 'reading' });
  const plate = norm(input.plate);
  if (!PLATE.test(plate)) throw Errors.validation(`plate: "${input.plate}" is not a plate (e.g. 云A12345, 云AD12345)`, { field: 'plate' });
  const machine = data.subject;
  const corrected = machine.plate === null || norm(machine.plate) !== plate;
  const detail = corrected
    ? `坐席更正车牌：${plate}（识别为 ${machine.plate ?? '无'}${machine.plate ? `，置信度 ${pct(machine.confidence)}` : ''}）`
    : `坐席确认车牌识别：${plate}（置信度 ${pct(machine.confidence)}）`;
  return addEvidence(ctx, tenant, caseId, actor, {
    item: read.item,
    supersedes: read.id,
    byCheck: true,
    data: {
      check: 'plate_ocr', ok: true, status: 'valid', detail, checkedAt: ctx.clock.now().toISOString(),
      subject: { ...machine, plate },
      result: {},
      review: { outcome: corrected ? 'corrected' : 'confirmed', reading: read.id, readPlate: machine.plate },
    },
  });
}

/** Province, authority letter, then 5 (blue, yellow …) or 6 (green new-energy) characters; 挂/学/警 endings. */
const PLATE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Z][A-Z0-9]{4,5}[A-Z0-9挂学警港澳]$/;

const pct = (c: number) => `${Math.round(c * 100)}%`;
