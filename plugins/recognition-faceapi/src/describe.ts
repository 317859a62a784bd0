/**
 * One face's descriptor from image bytes. The image is decoded by sharp (anything else is
 * refused clearly), scaled to `maxSide`, and framed with a grey border: licence photos are
 * cropped tight to the head, and the detector misses faces that touch the image's edges.
 */
import sharp from 'sharp';

type Metadata = Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
import { engine } from './engine.ts';

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

export interface FaceFound {
  descriptor: Float32Array;
  /** Detection confidence, 0–1. */
  confidence: number;
  /** Face box in the caller's image pixels. */
  box: { x: number; y: number; width: number; height: number };
}

export async function describeFace(plugin: string, what: string, image: Uint8Array, opts: { maxBytes: number; maxSide: number; minConfidence: number }): Promise<FaceFound | null> {
  if (!(image instanceof Uint8Array)) throw new ImageInputError(`${plugin}: the ${what} must be bytes (Uint8Array)`);
  if (image.length === 0) throw new ImageInputError(`${plugin}: the ${what} is empty`);
  if (image.length > opts.maxBytes) throw new ImageInputError(`${plugin}: the ${what} is ${image.length} bytes, the limit is ${opts.maxBytes}`);
  let meta: Metadata;
  try {
    meta = await sharp(image).metadata();
  } catch {
    throw new ImageInputError(`${plugin}: the ${what} is not an image (PNG, JPEG or WebP expected)`);
  }
  if (!meta.width || !meta.height || !['png', 'jpeg', 'webp'].includes(meta.format ?? '')) throw new ImageInputError(`${plugin}: the ${what} has unsupported format "${meta.format}" (PNG, JPEG or WebP only)`);
  const rotated = (meta.orientation ?? 1) >= 5;
  const w = rotated ? meta.height : meta.width, h = rotated ? meta.width : meta.height;
  const scale = Math.min(1, opts.maxSide / Math.max(w, h));
  const border = Math.round(Math.max(w, h) * scale * 0.25);
  let raw: { data: Buffer; info: { width: number; height: number } };
  try {
    raw = await sharp(image).rotate().resize(scale < 1 ? { width: Math.round(w * scale), height: Math.round(h * scale) } : undefined)
      .extend({ top: border, bottom: border, left: border, right: border, background: '#808080' })
      .removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageInputError(`${plugin}: the ${what} cannot be decoded (${e instanceof Error ? e.message : e})`);
  }
  const found = await (await engine()).detect(new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), raw.info.width, raw.info.height, opts.minConfidence);
  if (!found) return null;
  const b = found.box;
  return {
    descriptor: found.descriptor,
    confidence: found.confidence,
    box: { x: Math.round((b.x - border) / scale), y: Math.round((b.y - border) / scale), width: Math.round(b.width / scale), height: Math.round(b.height / scale) },
  };
}

/** 1 − Euclidean distance of two descriptors, clamped to 0–1 (face-api's matcher compares the distance to 0.5–0.6). */
export function similarity(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.max(0, Math.min(1, 1 - Math.sqrt(sum)));
}
