/**
 * The party's camera for the plate spec: a Y4M video of a car's plate that Chromium plays as
 * its fake camera (`--use-file-for-fake-video-capture`, a Playwright project in
 * playwright.config.ts). The plate photo is drawn as the OCR bench draws them (recognition-
 * paddle's render: Noto Sans CJK, a slight angle, blur, noise, JPEG), set on a dark frame and
 * turned into a few seconds of video by ffmpeg (Debian's, installed by the bootstrap).
 *
 * The file's name is a hash of everything that shapes it (the plate, the drawing's options and
 * the renderer's source), so it is made once per machine under .cache/e2e and reused until one
 * of those changes; it is written to a temporary name and renamed, so two workers never read a
 * half-written file. The path is known without making the file (the config needs it first).
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The plate on the video: a green new-energy plate of Kunming's development registry (plugins/registry-dev fixtures). */
export const VIDEO_PLATE = '云AF12345';

const SPEC = {
  plate: VIDEO_PLATE,
  kind: 'green' as const,
  seed: 2026,
  // A phone held at the car: a slight angle and blur, sensor noise, the camera's JPEG.
  distortion: { perspective: 0.06, blur: 0.6, noise: 6, quality: 85 },
  frame: { width: 800, height: 450, background: '0x39424c' },
  fps: 10,
  seconds: 3,
};

const RENDERER = path.join(repoRoot, 'plugins/recognition-paddle/src/render.ts');

/** Where the plate video is (or will be): .cache/e2e/plate-<hash>.y4m. */
export function plateVideoPath(): string {
  const hash = createHash('sha256').update(JSON.stringify(SPEC)).update(readFileSync(RENDERER)).digest('hex').slice(0, 16);
  return path.join(repoRoot, '.cache/e2e', `plate-${hash}.y4m`);
}

/** Makes the plate video unless it is there already; returns its path. */
export async function ensurePlateVideo(): Promise<string> {
  const file = plateVideoPath();
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  const { renderPlatePhoto, seeded } = await import('@kuaichu/plugin-recognition-paddle/render');
  const photo = await renderPlatePhoto(SPEC.plate, SPEC.kind, seeded(SPEC.seed), SPEC.distortion);
  const tmp = `${file}.${process.pid}`;
  const still = `${tmp}.jpg`;
  writeFileSync(still, photo);
  const { width: w, height: h, background } = SPEC.frame;
  try {
    // The still, centred on the frame, repeated for a few seconds; 4:2:0, the Y4M Chromium reads.
    await promisify(execFile)('ffmpeg', [
      '-v', 'error', '-y', '-loop', '1', '-framerate', String(SPEC.fps), '-i', still, '-t', String(SPEC.seconds),
      '-vf', `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${background}`, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', tmp,
    ]);
    renameSync(tmp, file);
    // Videos made from older inputs are 16 MB each and never read again.
    for (const old of readdirSync(path.dirname(file))) if (/^plate-[0-9a-f]{16}\.y4m$/.test(old) && path.join(path.dirname(file), old) !== file) rmSync(path.join(path.dirname(file), old), { force: true });
  } finally {
    rmSync(still, { force: true });
    rmSync(tmp, { force: true });
  }
  return file;
}
