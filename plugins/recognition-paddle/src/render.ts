/**
 * Synthetic plate photos for tests and the OCR bench: a blue (7-character) or green
 * (8-character new-energy) plate drawn as SVG in a CJK font (Noto Sans CJK, Debian's
 * fonts-noto-cjk, which the PDF documents use too), set in a frame, then seen at an angle
 * (a perspective warp), blurred, noised and JPEG-compressed. Seeded, so a run is repeatable.
 */
import sharp from 'sharp';
import { PLATE_LETTERS, PROVINCES, type PlateKind } from './plate.ts';

export type Rng = () => number;

/** mulberry32: a small seeded generator, enough for test data. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rng: Rng, s: string) => [...s][Math.floor(rng() * [...s].length)]!;
const DIGITS = '0123456789';

/** A random plate that follows the grammar: province, authority letter, 5 (blue) or 6 (green) characters. */
export function randomPlate(rng: Rng, kind: PlateKind): string {
  const head = pick(rng, PROVINCES) + pick(rng, PLATE_LETTERS);
  if (kind === 'green') {
    // Small new-energy cars: D/F then a letter or digit and four digits; large ones: five digits then D/F.
    if (rng() < 0.8) return head + pick(rng, 'DF') + pick(rng, PLATE_LETTERS + DIGITS) + Array.from({ length: 4 }, () => pick(rng, DIGITS)).join('');
    return head + Array.from({ length: 5 }, () => pick(rng, DIGITS)).join('') + pick(rng, 'DF');
  }
  // Blue serials are mostly digits with up to two letters.
  const serial = Array.from({ length: 5 }, () => pick(rng, DIGITS));
  for (let n = Math.floor(rng() * 3); n > 0; n--) serial[Math.floor(rng() * 5)] = pick(rng, PLATE_LETTERS);
  return head + serial.join('');
}

/** The plate itself as SVG (440 × 140 for blue, 480 × 140 for green, as the plates' millimetres). */
export function plateSvg(plate: string, kind: PlateKind, font = 'Noto Sans CJK SC'): { svg: string; width: number; height: number } {
  const chars = [...plate];
  const width = kind === 'green' ? 480 : 440;
  const height = 140;
  const cw = 45, gap = kind === 'green' ? 9 : 12, dot = kind === 'green' ? 34 : 22;
  const total = chars.length * cw + (chars.length - 2) * gap + dot;
  let x = (width - total) / 2;
  const glyphs: string[] = [];
  chars.forEach((c, i) => {
    glyphs.push(`<text x="${x + cw / 2}" y="112" transform="translate(${x + cw / 2} 0) scale(0.72 1) translate(${-(x + cw / 2)} 0)" font-family="${font}" font-weight="bold" font-size="${i === 0 ? 72 : 86}" text-anchor="middle">${c}</text>`);
    x += cw + (i === 1 ? dot : gap);
    if (i === 1) glyphs.push(`<circle cx="${x - dot / 2 - gap / 2 + 4}" cy="70" r="5"/>`);
  });
  const ink = kind === 'green' ? '#111' : '#fff';
  const bg = kind === 'green' ? 'url(#g)' : '#1343b8';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f1fbf1"/><stop offset="0.45" stop-color="#bde8c1"/><stop offset="1" stop-color="#34b356"/></linearGradient></defs>
<rect width="${width}" height="${height}" rx="12" fill="${bg}"/>
<rect x="5" y="5" width="${width - 10}" height="${height - 10}" rx="9" fill="none" stroke="${ink}" stroke-width="3"/>
<g fill="${ink}">${glyphs.join('')}</g></svg>`;
  return { svg, width, height };
}

export interface Distortion {
  /** Each plate corner moves up to this fraction of the plate's size (perspective). */
  perspective: number;
  /** Gaussian blur sigma in pixels (0: none). */
  blur: number;
  /** Standard deviation of added noise, in 0–255 levels. */
  noise: number;
  /** JPEG quality. */
  quality: number;
}

export function randomDistortion(rng: Rng): Distortion {
  return { perspective: 0.04 + rng() * 0.1, blur: rng() * 1.4, noise: 3 + rng() * 12, quality: Math.round(55 + rng() * 35) };
}

/** Solves the 8 homography parameters mapping each `from` point onto its `to` point. */
function homography(from: Array<[number, number]>, to: Array<[number, number]>): number[] {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!, [u, v] = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < 9; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[8]! / row[i]!);
}

/**
 * A photo of the plate: the plate on a car-coloured surround, its corners moved at random
 * (perspective), blurred, noised, JPEG-encoded. Returns the JPEG bytes.
 */
export async function renderPlatePhoto(plate: string, kind: PlateKind, rng: Rng, d: Distortion = randomDistortion(rng)): Promise<Buffer> {
  const { svg, width: pw, height: ph } = plateSvg(plate, kind);
  const src = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const W = Math.round(pw * 1.45), H = Math.round(ph * 2.4);
  const body = [40 + rng() * 180, 40 + rng() * 180, 40 + rng() * 180];
  // Where the plate's corners land in the photo.
  const x0 = (W - pw) / 2, y0 = (H - ph) / 2;
  const j = () => (rng() * 2 - 1) * d.perspective;
  const dst: Array<[number, number]> = [
    [x0 + j() * pw, y0 + j() * ph], [x0 + pw + j() * pw, y0 + j() * ph],
    [x0 + pw + j() * pw, y0 + ph + j() * ph], [x0 + j() * pw, y0 + ph + j() * ph],
  ];
  const h = homography(dst, [[0, 0], [pw, 0], [pw, ph], [0, ph]]);
  const out = Buffer.alloc(W * H * 3);
  const s = src.data, sw = src.info.width, sh = src.info.height, ch = src.info.channels;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const w = h[6]! * x + h[7]! * y + 1;
      const u = (h[0]! * x + h[1]! * y + h[2]!) / w, v = (h[3]! * x + h[4]! * y + h[5]!) / w;
      const o = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = body[c]! * (0.85 + 0.15 * (y / H));
      if (u < 0 || v < 0 || u >= sw - 1 || v >= sh - 1) continue;
      const ui = Math.floor(u), vi = Math.floor(v), fu = u - ui, fv = v - vi;
      const at = (xx: number, yy: number, c: number) => s[(yy * sw + xx) * ch + c]!;
      const alpha = ((1 - fu) * (1 - fv) * at(ui, vi, 3) + fu * (1 - fv) * at(ui + 1, vi, 3) + (1 - fu) * fv * at(ui, vi + 1, 3) + fu * fv * at(ui + 1, vi + 1, 3)) / 255;
      for (let c = 0; c < 3; c++) {
        const val = (1 - fu) * (1 - fv) * at(ui, vi, c) + fu * (1 - fv) * at(ui + 1, vi, c) + (1 - fu) * fv * at(ui, vi + 1, c) + fu * fv * at(ui + 1, vi + 1, c);
        out[o + c] = alpha * val + (1 - alpha) * out[o + c]!;
      }
    }
  }
  // Gaussian noise (Box–Muller) from the same generator.
  for (let i = 0; i < out.length; i++) {
    const n = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()) * d.noise;
    out[i] = Math.max(0, Math.min(255, Math.round(out[i]! + n)));
  }
  let img = sharp(out, { raw: { width: W, height: H, channels: 3 } });
  if (d.blur >= 0.3) img = img.blur(d.blur);
  return img.jpeg({ quality: d.quality }).toBuffer();
}

/**
 * A licence card as a flat photo (驾驶证 / 行驶证 layout reduced to its printed rows): the title,
 * then one `label value` row each, in Noto Sans CJK on the cards' off-white. PNG bytes.
 */
export async function renderLicenceCard(rows: ReadonlyArray<readonly [string, string]>, title: string): Promise<Buffer> {
  const lines = rows.map(([k, v], i) => `<text x="30" y="${110 + i * 56}">${k}</text><text x="230" y="${110 + i * 56}">${v}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="860" height="${140 + rows.length * 56}"><rect width="100%" height="100%" fill="#f3efe4"/>
<g font-family="Noto Sans CJK SC" font-size="32" fill="#222"><text x="430" y="50" text-anchor="middle" font-size="34" font-weight="bold">${title}</text>${lines}</g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
