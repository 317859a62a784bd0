/** What the OCR engine returns per text line, and helpers over the lines' boxes. */
export interface OcrLine {
  text: string;
  /** Mean character confidence, 0–1. */
  confidence: number;
  /** Four corners, clockwise from top-left, in pixels of the image as given. */
  box: Array<[number, number]>;
}

export function centre(box: Array<[number, number]>): [number, number] {
  const xs = box.map((p) => p[0]);
  const ys = box.map((p) => p[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

export function height(box: Array<[number, number]>): number {
  const ys = box.map((p) => p[1]);
  return Math.max(...ys) - Math.min(...ys);
}

/** The box around several boxes (axis-aligned). */
export function union(boxes: Array<Array<[number, number]>>): Array<[number, number]> {
  const pts = boxes.flat();
  const x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  const y0 = Math.min(...pts.map((p) => p[1])), y1 = Math.max(...pts.map((p) => p[1]));
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
}

/** Lines grouped into rows (centres within half a line height), each row left to right. */
export function rows(lines: readonly OcrLine[]): OcrLine[][] {
  const sorted = [...lines].sort((a, b) => centre(a.box)[1] - centre(b.box)[1]);
  const out: OcrLine[][] = [];
  for (const line of sorted) {
    const row = out.at(-1);
    const ref = row?.[0];
    if (row && ref && Math.abs(centre(ref.box)[1] - centre(line.box)[1]) < Math.max(height(ref.box), height(line.box)) / 2) row.push(line);
    else out.push([line]);
  }
  return out.map((r) => r.sort((a, b) => centre(a.box)[0] - centre(b.box)[0]));
}
