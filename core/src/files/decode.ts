/**
 * An upload is stored only when it is what its bytes claim: the first bytes name a type
 * (sniff.ts), then a real decoder must read the whole file as that type — sharp (libvips)
 * decodes every pixel of an image; ffprobe (FFmpeg) reads every packet of a clip — and the
 * file must end where its format says (containers.ts). "JPEG magic, then HTML", a bare PNG
 * signature or a truncated clip are refused with 415, before anything is written to the store.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Errors } from '../errors.ts';
import { sniffContentType } from './sniff.ts';
import { jpegTrailerInert, mp4BoxesTile, pngChunksTile, riffSizeMatches, webmSegmentEnds } from './containers.ts';

/** Types an evidence upload may have. */
export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'video/webm', 'video/mp4', 'audio/ogg'] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

/** A photo of up to 64 megapixels (the largest phone sensors), so a small file cannot unpack into gigabytes. */
const MAX_PIXELS = 64_000_000;
const PROBE_TIMEOUT_MS = 30_000;

const IMAGE: Partial<Record<UploadType, { format: string; ends?: (b: Uint8Array) => boolean }>> = {
  'image/jpeg': { format: 'jpeg', ends: jpegTrailerInert },
  'image/png': { format: 'png', ends: pngChunksTile },
  'image/webp': { format: 'webp', ends: riffSizeMatches },
};
const MEDIA: Partial<Record<UploadType, { format: string; stream: 'video' | 'audio'; ends?: (b: Uint8Array) => boolean }>> = {
  'video/webm': { format: 'webm', stream: 'video', ends: webmSegmentEnds },
  'video/mp4': { format: 'mp4', stream: 'video', ends: mp4BoxesTile },
  'audio/ogg': { format: 'ogg', stream: 'audio' },
};

/** The checked type of an upload; throws 415 KC_FILE_TYPE when the bytes are not a whole file of it. */
export async function checkUpload(bytes: Uint8Array): Promise<UploadType> {
  const sniffed = sniffContentType(bytes);
  const type = (UPLOAD_TYPES as readonly string[]).includes(sniffed ?? '') ? (sniffed as UploadType) : null;
  if (!type) throw Errors.fileType(`the file's content is ${sniffed ?? 'not a known image or video'}; accepted: ${UPLOAD_TYPES.join(', ')}`);
  const broken = () => Errors.fileType(`the file starts like ${type} but is not a whole, readable ${type} file`, { type });
  const image = IMAGE[type];
  if (image) {
    if (image.ends && !image.ends(bytes)) throw broken();
    try {
      const decoder = sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_PIXELS, sequentialRead: true });
      const meta = await decoder.metadata();
      if (meta.format !== image.format) throw new Error(`decoded as ${meta.format}`);
      await decoder.stats(); // reads every pixel
    } catch {
      throw broken();
    }
    return type;
  }
  const media = MEDIA[type]!;
  if (media.ends && !media.ends(bytes)) throw broken();
  const probe = await ffprobe(bytes);
  const streams = probe?.streams ?? [];
  const formatOk = (probe?.format?.format_name ?? '').split(',').includes(media.format);
  if (!formatOk || !streams.some((s) => s.codec_type === media.stream && Number(s.nb_read_packets) > 0)) throw broken();
  return type;
}

interface Probe {
  format?: { format_name?: string };
  streams?: Array<{ codec_type?: string; nb_read_packets?: string }>;
}

/** ffprobe reading every packet; null when FFmpeg finds anything wrong. A file, not a pipe: MP4 keeps its index at the end. */
async function ffprobe(bytes: Uint8Array): Promise<Probe | null> {
  const file = path.join(tmpdir(), `kuaichu-upload-${randomBytes(8).toString('hex')}`);
  await writeFile(file, bytes);
  try {
    const args = ['-v', 'error', '-count_packets', '-show_entries', 'format=format_name:stream=codec_type,nb_read_packets', '-of', 'json', file];
    return await new Promise<Probe | null>((resolve, reject) => {
      execFile('ffprobe', args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') return reject(Errors.unavailable('checking clips needs ffprobe (FFmpeg) on the server'));
        if (err || stderr.trim()) return resolve(null);
        try {
          resolve(JSON.parse(stdout) as Probe);
        } catch {
          resolve(null);
        }
      });
    });
  } finally {
    await rm(file, { force: true });
  }
}
