/**
 * A photo of the photo path is accepted only when it can serve as evidence without a seat
 * having looked at it: a whole JPEG or PNG (decoded to the last pixel by checkUpload), big
 * enough to read a plate and the damage, and not blank — a covered lens or a black frame
 * would otherwise pass as a shot and be found missing only when the parties have left.
 */
import sharp from 'sharp';
import { Errors, KcError } from '../errors.ts';
import { checkUpload } from '../files/decode.ts';
import { sniffContentType } from '../files/sniff.ts';

export const PHOTO_LIMITS = {
  /** A phone photo at full quality is 2–8 MB; 15 MB leaves room for 50 MP sensors. */
  maxBytes: 15 * 1024 * 1024,
  /** The short side of the smallest accepted photo (VGA): below it a plate is a few pixels high. */
  minShortSide: 480,
  /** The long side of the largest (a 64 MP sensor is 9248 px). */
  maxLongSide: 12_000,
  /**
   * The largest standard deviation (0–255) of every colour channel (of a 256 px copy) that still counts as one
   * even colour. A lens cap or a black frame is under 2 from sensor noise and JPEG blocks; a
   * road at night is 20 and more.
   */
  blankStdev: 6,
} as const;

export type PhotoType = 'image/jpeg' | 'image/png';

export interface CheckedPhoto {
  contentType: PhotoType;
  width: number;
  height: number;
}

export async function checkPhoto(bytes: Uint8Array): Promise<CheckedPhoto> {
  if (bytes.length > PHOTO_LIMITS.maxBytes) throw Errors.fileTooLarge(`photos are limited to ${PHOTO_LIMITS.maxBytes / 1024 / 1024} MB`);
  const sniffed = sniffContentType(bytes);
  if (sniffed !== 'image/jpeg' && sniffed !== 'image/png') throw Errors.photoUnreadable(undefined, { found: sniffed ?? 'unknown' });
  try {
    await checkUpload(bytes);
  } catch (err) {
    if (err instanceof KcError && err.code === Errors.fileType.code) throw Errors.photoUnreadable(undefined, { found: sniffed, reason: 'does not decode whole' });
    throw err;
  }
  const image = sharp(bytes);
  const meta = await image.metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const bounds = { width, height, minShortSide: PHOTO_LIMITS.minShortSide, maxLongSide: PHOTO_LIMITS.maxLongSide };
  if (Math.min(width, height) < PHOTO_LIMITS.minShortSide) throw Errors.photoSize(undefined, bounds);
  if (Math.max(width, height) > PHOTO_LIMITS.maxLongSide) throw Errors.photoSize('the photo is larger than any phone camera takes', bounds);
  const stdev = await colourStdev(bytes);
  if (stdev <= PHOTO_LIMITS.blankStdev) throw Errors.photoBlank(undefined, { stdev: Math.round(stdev * 100) / 100, blankAtOrBelow: PHOTO_LIMITS.blankStdev });
  return { contentType: sniffed, width, height };
}

/**
 * The largest standard deviation of the colour channels, on a 256 px copy: JPEG decodes it by
 * shrink-on-load (a fraction of a full decode; checkUpload has already read every pixel), and a
 * scene keeps its shapes at that size while a lens cap or a black frame stays one colour.
 */
async function colourStdev(bytes: Uint8Array): Promise<number> {
  const { data, info } = await sharp(bytes).removeAlpha().resize({ width: 256, height: 256, fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  let worst = 0;
  for (let c = 0; c < info.channels; c++) {
    let sum = 0;
    let sq = 0;
    const n = data.length / info.channels;
    for (let i = c; i < data.length; i += info.channels) (sum += data[i]!), (sq += data[i]! * data[i]!);
    const mean = sum / n;
    worst = Math.max(worst, Math.sqrt(Math.max(0, sq / n - mean * mean)));
  }
  return worst;
}
