/** The CJK font (fonts.ts finds it) registered in a pdfkit document, under the two names the layout sets text in. */
import { readFileSync } from 'node:fs';
import type PDFDocument from 'pdfkit';
import type { CjkFont } from './fonts.ts';

export const REGULAR = 'cjk';
export const BOLD = 'cjk-bold';

export function registerFonts(pdf: InstanceType<typeof PDFDocument>, font: CjkFont): void {
  pdf.registerFont(REGULAR, fontBytes(font.path), font.family as string);
  const bold = font.bold ?? font;
  pdf.registerFont(BOLD, fontBytes(bold.path), bold.family as string);
}

/**
 * The font files' bytes, read once per process (~53 MB for Noto Serif CJK regular and bold):
 * given a path, pdfkit reads both whole files for every document, about a quarter of a
 * document's CPU time (measured: 290–340 → ~235 ms), spent while the determination holds the
 * case row. Same bytes in, same PDF out.
 */
const fontFiles = new Map<string, Buffer>();
function fontBytes(file: string): Buffer {
  let bytes = fontFiles.get(file);
  if (!bytes) fontFiles.set(file, (bytes = readFileSync(file)));
  return bytes;
}
