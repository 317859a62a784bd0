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
   * The largest standard deviation (0–255) of every colour channel that still counts as one
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
  const { channels } = await image.stats();
  // Alpha (a fourth channel, or the second of grey+alpha) says nothing about the scene.
  const colour = channels.slice(0, meta.hasAlpha ? channels.length - 1 : channels.length);
  const stdev = Math.max(...colour.map((c) => c.stdev));
  if (stdev <= PHOTO_LIMITS.blankStdev) throw Errors.photoBlank(undefined, { stdev: Math.round(stdev * 100) / 100, blankAtOrBelow: PHOTO_LIMITS.blankStdev });
  return { contentType: sniffed, width, height };
}
