/** From OCR lines to the plate: each line, then each row's lines joined (a plate split in two boxes). */
import { type OcrLine, rows, union } from './lines.ts';
import { normalisePlate, type PlateKind, platesIn } from './plate.ts';

export interface PlateFound {
  plate: string;
  kind: PlateKind;
  confidence: number;
  /** The engine's text the plate came from. */
  text: string;
  box: Array<[number, number]>;
}

/** Whether a piece holds the plate's start (first piece) or end (last piece) and not all of it. */
function sharesPlate(piece: string, plate: string, first: boolean): boolean {
  const p = normalisePlate(piece);
  if (p.includes(plate)) return false;
  for (let n = Math.min(p.length, plate.length - 1); n > 0; n--) {
    if (first ? p.endsWith(plate.slice(0, n)) : p.startsWith(plate.slice(-n))) return true;
  }
  return false;
}

export function findPlate(lines: readonly OcrLine[]): PlateFound | null {
  const candidates: PlateFound[] = [];
  const add = (parts: readonly OcrLine[]) => {
    const text = parts.map((p) => p.text).join('');
    const confidence = Math.min(...parts.map((p) => p.confidence));
    for (const { plate, kind } of platesIn(text)) {
      // A joined reading counts only when the plate needs every piece (not two plates side by side).
      if (parts.length > 1 && parts.some((p, i) => (i === 0 || i === parts.length - 1) && !sharesPlate(p.text, plate, i === 0))) continue;
      candidates.push({ plate, kind, confidence, text: parts.length > 1 ? parts.map((p) => p.text).join(' ') : text, box: union(parts.map((p) => p.box)) });
    }
  };
  for (const line of lines) add([line]);
  for (const row of rows(lines)) {
    for (let i = 0; i < row.length; i++) for (let j = i + 2; j <= Math.min(row.length, i + 3); j++) add(row.slice(i, j));
  }
  // Most confident first; on a tie the longer (green) reading, which contains the blue prefix.
  candidates.sort((a, b) => b.confidence - a.confidence || [...b.plate].length - [...a.plate].length);
  return candidates[0] ?? null;
}
