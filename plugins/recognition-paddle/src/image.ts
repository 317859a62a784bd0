/**
 * Input checks and preparation: only real images (sharp decodes them, so a renamed text file
 * or a truncated upload is refused with a clear message), within a size limit; large camera
 * frames are scaled down so the text detector's cost stays bounded.
 */
import sharp from 'sharp';

type Metadata = Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

const ACCEPTED_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/pjpeg', 'image/webp', 'application/octet-stream', '']);

export function checkContentType(plugin: string, contentType: string | undefined): void {
  const type = String(contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_TYPES.has(type)) throw new ImageInputError(`${plugin}: unsupported content type "${contentType}" (PNG, JPEG or WebP only)`);
}

/** Decoded, EXIF-rotated, at most `maxSide` pixels on its longer side, as PNG bytes. */
export async function prepareImage(plugin: string, image: Uint8Array, opts: { maxBytes: number; maxSide: number }): Promise<{ png: Buffer; width: number; height: number; scale: number }> {
  if (!(image instanceof Uint8Array)) throw new ImageInputError(`${plugin}: the image must be bytes (Uint8Array)`);
  if (image.length === 0) throw new ImageInputError(`${plugin}: the image is empty`);
  if (image.length > opts.maxBytes) throw new ImageInputError(`${plugin}: the image is ${image.length} bytes, the limit is ${opts.maxBytes}`);
  let meta: Metadata;
  try {
    meta = await sharp(image).metadata();
  } catch {
    throw new ImageInputError(`${plugin}: not an image (PNG, JPEG or WebP expected)`);
  }
  if (!meta.width || !meta.height || !['png', 'jpeg', 'webp'].includes(meta.format ?? '')) throw new ImageInputError(`${plugin}: unsupported image format "${meta.format}" (PNG, JPEG or WebP only)`);
  const rotated = (meta.orientation ?? 1) >= 5;
  const w = rotated ? meta.height : meta.width;
  const h = rotated ? meta.width : meta.height;
  const scale = Math.min(1, opts.maxSide / Math.max(w, h));
  try {
    const png = await sharp(image).rotate().resize(scale < 1 ? { width: Math.round(w * scale), height: Math.round(h * scale) } : undefined).flatten({ background: '#ffffff' }).png({ compressionLevel: 1 }).toBuffer();
    return { png, width: w, height: h, scale };
  } catch (e) {
    throw new ImageInputError(`${plugin}: the image cannot be decoded (${e instanceof Error ? e.message : e})`);
  }
}
