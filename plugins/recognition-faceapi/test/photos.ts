/**
 * Face photos that npm packages ship publicly, for tests (no private data): @vladmandic/human's
 * screenshots show its author three times — a webcam still, a face cut from a group photo, the
 * face-match demo's selected face — and four women in its face-detection demo. registry-dev's
 * development licence photos are the group-photo tiles (plugins/registry-dev/fixtures/photos).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
const assets = path.join(path.dirname(path.dirname(require.resolve('@vladmandic/human'))), 'assets');
const crop = (file: string, left: number, top: number, width: number, height: number) =>
  sharp(path.join(assets, file)).extract({ left, top, width, height }).jpeg({ quality: 90 }).toBuffer();

/** The author of @vladmandic/human; registry-dev's holder-m1.jpg is `group`. */
export const author = {
  webcam: () => crop('screenshot-faceid.jpg', 14, 142, 140, 140),
  group: () => crop('screenshot-facedetect.jpg', 8, 346, 150, 151),
  demo: () => crop('screenshot-facematch.jpg', 0, 0, 200, 200),
};
/** Two of the women (registry-dev's holder-f1.jpg and holder-f2.jpg). */
export const otherPerson = () => crop('screenshot-facedetect.jpg', 164, 346, 151, 151);
export const anotherPerson = () => crop('screenshot-facedetect.jpg', 321, 346, 151, 151);

/** A face as the seat captures it from the call: a 640×480 JPEG frame with the face off-centre on a plain background. */
export async function videoFrame(face: Buffer): Promise<Buffer> {
  const f = await sharp(face).resize(180, 180).toBuffer();
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#6b7a86' } }).composite([{ input: f, left: 250, top: 110 }]).jpeg({ quality: 85 }).toBuffer();
}

/** A frame with no face: a wall. */
export const emptyFrame = () => sharp({ create: { width: 640, height: 480, channels: 3, background: '#9a9a9a' } }).jpeg({ quality: 85 }).toBuffer();
