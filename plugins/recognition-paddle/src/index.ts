/**
 * Plugin `ocr-paddle` (port `ocr`): plate and licence reading on PaddleOCR's models, in-process.
 * A reading is evidence for the seat to confirm or correct: the normalised plate (validated
 * against the plate grammar), the engine's text, its confidence and the box it stands in.
 */
import { definePlugin, type LicenceReading, type OcrPort, type PlateReading, type PluginContext } from '@kuaichu/core/ports';
import type { OcrPaddleOptions } from '@kuaichu/core/generated/types.ts';
import { readLines } from './engine.ts';
import { checkContentType, prepareImage } from './image.ts';
import { parseLicence } from './licence.ts';
import { findPlate } from './readPlate.ts';

export { engine, engineLoadMs, readLines } from './engine.ts';
export { ImageInputError, prepareImage } from './image.ts';
export { idChecksumValid, parseLicence } from './licence.ts';
export type { OcrLine } from './lines.ts';
export { displayPlate, normalisePlate, plateKind, platesIn, PLATE_LETTERS, PROVINCES, type PlateKind } from './plate.ts';
export { findPlate, type PlateFound } from './readPlate.ts';

export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_SIDE = 1280;
export const DEFAULT_MIN_CONFIDENCE = 0.6;

export interface PaddlePlateReading extends PlateReading {
  kind?: 'blue' | 'green';
}

/** The ocr port plus the engine's raw lines, for the command line and the bench. */
export interface PaddleOcr extends OcrPort {
  readPlate(q: { tenant: string; image: Uint8Array; contentType: string }): Promise<PaddlePlateReading>;
  readLicence(q: { tenant: string; image: Uint8Array; contentType: string }): Promise<LicenceReading>;
}

/** "110101199003071234" → "1101**********1234": licence numbers are ID numbers, never logged whole. */
function mask(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}` : '****';
}

export function createOcrPaddle(options: OcrPaddleOptions, ctx: PluginContext): PaddleOcr {
  const maxBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const threads = options.threads ?? 0;

  async function lines(tenant: string, image: Uint8Array, contentType: string) {
    if (tenant !== ctx.tenant) throw new Error(`ocr-paddle: request for tenant "${tenant}" sent to the instance of tenant "${ctx.tenant}"`);
    checkContentType('ocr-paddle', contentType);
    const { png, scale } = await prepareImage('ocr-paddle', image, { maxBytes, maxSide });
    return (await readLines(png, scale, threads)).filter((l) => l.confidence >= minConfidence);
  }

  return {
    async readPlate({ tenant, image, contentType }) {
      const started = performance.now();
      const found = findPlate(await lines(tenant, image, contentType));
      const reading: PaddlePlateReading = found
        ? { plate: found.plate, confidence: found.confidence, text: found.text, box: found.box, kind: found.kind }
        : { plate: null, confidence: 0 };
      ctx.log.info({ plugin: 'ocr-paddle', tenant, bytes: image.length, plate: reading.plate, confidence: reading.confidence, ms: Math.round(performance.now() - started) }, 'plate read');
      return reading;
    },
    async readLicence({ tenant, image, contentType }) {
      const started = performance.now();
      const reading = parseLicence(await lines(tenant, image, contentType));
      const f = reading.fields;
      // Names and ID numbers are personal data: the log says which fields were found, masked.
      ctx.log.info({ plugin: 'ocr-paddle', tenant, kind: reading.kind, found: Object.keys(f), licenceNumber: f.licenceNumber ? mask(f.licenceNumber.text) : undefined, ms: Math.round(performance.now() - started) }, 'licence read');
      return reading;
    },
  };
}

export const ocrPaddle = definePlugin({
  name: 'ocr-paddle',
  port: 'ocr',
  create: (options, ctx) => createOcrPaddle(options as OcrPaddleOptions, ctx),
});

export default [ocrPaddle];
