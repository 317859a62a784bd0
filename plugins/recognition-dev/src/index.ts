/**
 * Development recognition drivers (ports `ocr` and `face`). Instead of looking at pixels they
 * read what the test camera wrote into the image: a PNG text chunk or a JPEG comment
 * `kuaichu-plate` (the plate number) or `kuaichu-face` (an identity label). They accept and
 * refuse input as a recognition API does: only PNG or JPEG, within a size limit, with a
 * well-formed container. An image without the marker reads as "no plate" (confidence 0) or
 * "no face match" (score 0); two faces match when both carry the same label.
 */
import { definePlugin, type FaceComparison, type FacePort, type OcrPort, type PlateReading, type PluginContext } from '@kuaichu/core/ports';
import type { FaceDevOptions, OcrDevOptions } from '@kuaichu/core/generated/types.ts';
import { ImageFormatError, readImageText } from './image.ts';

export { crc32, ImageFormatError, jpegSegments, pngChunks, readImageText, sniffImage, solidPng, withJpegText, withPngText } from './image.ts';
export type { ImageFormat, JpegSegment, PngChunk } from './image.ts';

export const PLATE_KEYWORD = 'kuaichu-plate';
export const FACE_KEYWORD = 'kuaichu-face';
export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_PLATE_CONFIDENCE = 0.98;
/** Confidence when the marker holds text that is not shaped like a plate. */
export const ODD_PLATE_CONFIDENCE = 0.3;
export const SAME_FACE_SCORE = 0.97;
export const OTHER_FACE_SCORE = 0.12;

const PLATE_RE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学]$|^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z](?:[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])$/;
const ACCEPTED_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/pjpeg', 'application/octet-stream', '']);

/** Reads the marker texts of one image, or throws what the API would answer. */
function imageText(plugin: string, what: string, image: Uint8Array, maxBytes: number): Map<string, string> {
  if (!(image instanceof Uint8Array)) throw new TypeError(`${plugin}: ${what} must be bytes (Uint8Array)`);
  if (image.length === 0) throw new Error(`${plugin}: ${what} is empty`);
  if (image.length > maxBytes) throw new Error(`${plugin}: ${what} is ${image.length} bytes, the limit is ${maxBytes}`);
  try {
    return readImageText(image).text;
  } catch (e) {
    if (e instanceof ImageFormatError) throw new ImageFormatError(`${plugin}: ${what}: ${e.message}`);
    throw e;
  }
}

function checkTenant(plugin: string, ctx: PluginContext, tenant: string): void {
  if (tenant !== ctx.tenant) throw new Error(`${plugin}: request for tenant "${tenant}" sent to the instance of tenant "${ctx.tenant}"`);
}

export function createOcrDev(options: OcrDevOptions, ctx: PluginContext): OcrPort {
  const maxBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const confidence = options.confidence ?? DEFAULT_PLATE_CONFIDENCE;
  return {
    async readPlate({ tenant, image, contentType }): Promise<PlateReading> {
      checkTenant('ocr-dev', ctx, tenant);
      const type = String(contentType ?? '').split(';')[0]!.trim().toLowerCase();
      if (!ACCEPTED_TYPES.has(type)) throw new Error(`ocr-dev: unsupported content type "${contentType}" (PNG or JPEG only)`);
      const raw = imageText('ocr-dev', 'image', image, maxBytes).get(PLATE_KEYWORD);
      const plate = raw?.replace(/[\s·•.\-]/g, '').toUpperCase();
      const reading: PlateReading = !plate ? { plate: null, confidence: 0 } : { plate, confidence: PLATE_RE.test(plate) ? confidence : ODD_PLATE_CONFIDENCE };
      ctx.log.info({ plugin: 'ocr-dev', tenant, bytes: image.length, plate: reading.plate, confidence: reading.confidence }, 'plate read');
      return reading;
    },
  };
}

export function createFaceDev(options: FaceDevOptions, ctx: PluginContext): FacePort {
  const maxBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  return {
    async compare({ tenant, probe, reference, threshold }): Promise<FaceComparison> {
      checkTenant('face-dev', ctx, tenant);
      const a = imageText('face-dev', 'probe image', probe, maxBytes).get(FACE_KEYWORD)?.trim();
      const b = imageText('face-dev', 'reference image', reference, maxBytes).get(FACE_KEYWORD)?.trim();
      const score = !a || !b ? 0 : a === b ? SAME_FACE_SCORE : OTHER_FACE_SCORE;
      // An image without a label is an image without a face (the core then asks for a manual check).
      const result: FaceComparison = {
        match: Boolean(a && b) && score >= (threshold ?? 0.5), score, ...(threshold !== undefined ? { threshold } : {}),
        ...(a ? {} : { probeFace: null }), ...(b ? {} : { referenceFace: null }),
      };
      // Identity labels are not logged: only whether each image had a face.
      ctx.log.info({ plugin: 'face-dev', tenant, probeFace: Boolean(a), referenceFace: Boolean(b), ...result }, 'faces compared');
      return result;
    },
  };
}

export const ocrDev = definePlugin({
  name: 'ocr-dev',
  port: 'ocr',
  create: (options, ctx) => createOcrDev(options as OcrDevOptions, ctx),
});

export const faceDev = definePlugin({
  name: 'face-dev',
  port: 'face',
  create: (options, ctx) => createFaceDev(options as FaceDevOptions, ctx),
});

/** This package holds two plugins. */
const plugins = [ocrDev, faceDev] as const;
export default plugins;
