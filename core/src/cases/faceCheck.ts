/**
 * Face comparison (人脸身份比对, the checklist's `face_match`): is the party on the video the
 * holder of the licence the seat checks? The probe is a photo the seat captured from the call
 * (an evidence photo of this case); the reference is the licence photo on record that the
 * registry's driver check returns. The result carries the score and the threshold it was judged
 * by (the checklist line's `threshold`, else the face plugin's own), where each face was found,
 * and the reference photo as the item's file, so the seat sees both pictures side by side.
 *
 * Anything that keeps the comparison from giving a verdict — the registry down or without a
 * photo, no face in either picture, the face service failing — is "verify manually": a finding
 * the seat resolves by looking at the party and the licence, so the call goes on (checklist.ts).
 * A comparison below the threshold is a finding too (status invalid), never a silent pass.
 */
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import type { StoredFile } from '../ports/files.ts';
import type { FaceComparison, FoundFace } from '../ports/recognition.ts';
import type { CheckResult, DriverResult } from '../ports/registry.ts';
import { caseFileType } from './evidence.ts';

export interface FaceCheckOutcome {
  result: CheckResult;
  /** Recorded with the check: score, threshold, the faces found, and the verify-manually mark. */
  data: Record<string, unknown>;
  /** The licence photo on record, stored: the check item's file. */
  file?: StoredFile;
}

const two = (n: number) => n.toFixed(2);

/** Compares the case photo `faceImage` with the licence photo of the driver's registry answer. */
export async function compareFaces(ctx: CoreContext, tenant: string, caseId: string, faceImage: string, driver: DriverResult, threshold: number | undefined): Promise<FaceCheckOutcome> {
  const contentType = await caseFileType(ctx, tenant, caseId, faceImage, { photo: true });
  const probe = contentType && (await ctx.files.get(faceImage));
  if (!contentType || !probe) throw Errors.validation('faceImage: not a photo of this case (capture the party from the video first)');
  const checkedAt = ctx.clock.now();
  const manual = (status: CheckResult['status'], detail: string, extra: Record<string, unknown> = {}, file?: StoredFile): FaceCheckOutcome => ({
    result: { ok: false, status, detail, checkedAt }, data: { verifyManually: true, face: { threshold: threshold ?? null, ...extra } }, ...(file ? { file } : {}),
  });

  if (driver.status === 'unavailable') return manual('unavailable', '驾驶证核验系统暂不可用，无法取得驾驶证照片，请人工比对当事人与证件照片后继续');
  if (!driver.photo) {
    const why = driver.status === 'not_found' || driver.status === 'invalid' ? `驾驶证未核验通过：${driver.detail}` : '登记信息中无驾驶证照片';
    return manual('unavailable', `未取得驾驶证照片（${why}），请人工比对当事人与证件照片后继续`);
  }
  const file = await ctx.files.put(driver.photo.bytes, driver.photo.contentType);

  let c: FaceComparison;
  try {
    c = await ctx.ports.get(tenant, 'face').compare({ tenant, probe, reference: driver.photo.bytes, ...(threshold !== undefined ? { threshold } : {}) });
  } catch (e) {
    // The face service failing (model not loaded, an image it cannot read) says nothing about the party;
    // its message is kept with the finding for whoever looks into it.
    return manual('unavailable', '人脸比对服务暂不可用，请人工比对当事人与证件照片后继续', { error: (e instanceof Error ? e.message : String(e)).slice(0, 200) }, file);
  }
  const bar = c.threshold ?? threshold;
  const face = { score: c.score, threshold: bar ?? null, match: c.match, probeFace: found(c.probeFace), referenceFace: found(c.referenceFace) };
  if (c.probeFace === null) return manual('not_found', '截图中未检测到人脸：请当事人正对镜头后重新截图，或人工比对当事人与证件照片', face, file);
  if (c.referenceFace === null) return manual('unavailable', '驾驶证照片中未检测到人脸，请人工比对当事人与证件照片后继续', face, file);
  const score = `相似度 ${two(c.score)}${bar !== undefined ? `，阈值 ${two(bar)}` : ''}`;
  if (!c.match) return manual('invalid', `人脸比对不一致（${score}）：请核实驾驶人身份，人工比对证件照片`, face, file);
  return { result: { ok: true, status: 'valid', detail: `人脸比对一致（${score}）`, checkedAt }, data: { face }, file };
}

function found(f: FoundFace | null | undefined): FoundFace | null | undefined {
  return f ? { confidence: Math.round(f.confidence * 1000) / 1000, box: f.box } : f;
}
