/**
 * Licence OCR (读证): the seat holds the party's driver licence (驾驶证) or vehicle licence
 * (行驶证) up to the camera, captures a frame, and the OCR port reads the fields off it — name,
 * licence number, plate, VIN, each with the engine's confidence and box. The reading pre-fills
 * the seat's check form for the seat to compare with the card on camera; it is not evidence
 * itself (the licence number is an ID number, kept whole nowhere in the case): the registry
 * check the seat then runs records the result, masked, as every check does (checks.ts).
 */
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import type { LicenceReadingView } from '../generated/types.ts';
import type { OcrPort } from '../ports/recognition.ts';
import { caseFileType } from './evidence.ts';

export async function readLicencePhoto(ctx: CoreContext, tenant: string, caseId: string, sha256: string): Promise<LicenceReadingView> {
  const contentType = await caseFileType(ctx, tenant, caseId, sha256, { photo: true });
  const image = contentType && (await ctx.files.get(sha256));
  if (!contentType || !image) throw Errors.validation('photo: not a photo of this case (capture the licence from the call first)', { field: 'photo' });
  const ocr: OcrPort = ctx.ports.get(tenant, 'ocr');
  if (!ocr.readLicence) throw Errors.unavailable(`${tenant}'s OCR integration does not read licences; type the fields from the card`);
  const reading = await ocr.readLicence({ tenant, image, contentType });
  return { photo: sha256, kind: reading.kind, fields: reading.fields };
}
