/**
 * The ruled grid of an official form on A4 pages: rows of label and value cells in five
 * columns (role, label, value, label, value), kept on one page when they fit, with a heavier
 * frame around the grid of each page and the document named again on a continuation page.
 */
import type PDFDocument from 'pdfkit';
import { BOLD, REGULAR } from './pdfFonts.ts';

export type Doc = InstanceType<typeof PDFDocument>;

export const A4: [number, number] = [595.28, 841.89];
export const MARGIN = { top: 42, bottom: 50, left: 54, right: 54 };
export const CONTENT_WIDTH = A4[0] - MARGIN.left - MARGIN.right;
/** The party column: the role label (甲方 …) spans the party's rows, as on the paper form. */
export const ROLE_WIDTH = 34;
const LABEL_WIDTH = 64;
const VALUE_WIDTH = (CONTENT_WIDTH - ROLE_WIDTH - 2 * LABEL_WIDTH) / 2;
/** Five columns: role, label, value, label, value. Rows outside party blocks start their label at column 0 (span 2). */
const COLS = [ROLE_WIDTH, LABEL_WIDTH, VALUE_WIDTH, LABEL_WIDTH, VALUE_WIDTH];
const PAD_X = 6;
const PAD_Y = 4.5;
const MIN_ROW = 21;
export const BODY_SIZE = 10.5;
const LINE_GAP = 2.5;
const RULE = 0.7;
const OUTER_RULE = 1.4;
const LABEL_FILL = '#f2f2f2';

export interface Cell {
  text: string;
  span?: number;
  kind?: 'label' | 'value' | 'strong' | 'paragraph' | 'small';
}

export class Grid {
  /** Where the next row starts on the current page. */
  y = MARGIN.top;
  /** Top of the grid on the current page, for the heavier outer frame. */
  #gridTop: number | null = null;

  /** `continuation`: the line that heads every page after the first. */
  constructor(
    private readonly pdf: Doc,
    private readonly continuation: string,
  ) {}

  /** Rows kept on one page when they fit on one. */
  block(rows: Cell[][]): void {
    const heights = rows.map((r) => this.rowHeight(r, 0));
    this.ensure(heights.reduce((s, h) => s + h, 0));
    rows.forEach((r, i) => this.row(r, heights[i]!, 0));
  }

  /** Start a new page unless `height` fits on this one (or would not fit on any). */
  ensure(height: number): void {
    if (this.y + height > this.maxY() && height <= this.maxY() - MARGIN.top) this.newPage();
  }

  row(cells: Cell[], height: number, startCol: number): void {
    if (this.y + height > this.maxY()) this.newPage();
    this.#gridTop ??= this.y;
    let x = MARGIN.left + COLS.slice(0, startCol).reduce((s, c) => s + c, 0);
    let col = startCol;
    for (const cell of cells) {
      const span = cell.span ?? 1;
      const w = COLS.slice(col, col + span).reduce((s, c) => s + c, 0);
      this.cell(cell, x, this.y, w, height, this.textOptions(cell, w));
      x += w;
      col += span;
    }
    this.y += height;
  }

  cell(cell: Cell, x: number, y: number, w: number, h: number, opts: PDFKit.Mixins.TextOptions): void {
    const { pdf } = this;
    pdf.save().lineWidth(RULE);
    if (cell.kind === 'label') pdf.rect(x, y, w, h).fillAndStroke(LABEL_FILL, '#000');
    else pdf.rect(x, y, w, h).stroke('#000');
    pdf.restore();
    if (cell.text === '') return;
    this.setFont(cell);
    const textHeight = pdf.heightOfString(cell.text, opts);
    // Paragraphs start at the top padding; everything else is centred vertically.
    const dy = cell.kind === 'paragraph' ? PAD_Y + 1 : Math.max(PAD_Y, (h - textHeight) / 2 + 0.5);
    pdf.fillColor('#000').text(cell.text, x + PAD_X, y + dy, opts);
  }

  rowHeight(cells: Cell[], startCol: number): number {
    let col = startCol;
    let h = MIN_ROW;
    for (const cell of cells) {
      const span = cell.span ?? 1;
      const w = COLS.slice(col, col + span).reduce((s, c) => s + c, 0);
      this.setFont(cell);
      h = Math.max(h, Math.ceil(this.pdf.heightOfString(cell.text, this.textOptions(cell, w))) + 2 * PAD_Y + 1);
      col += span;
    }
    return h;
  }

  private setFont(cell: Cell): void {
    const bold = cell.kind === 'label' || cell.kind === 'strong';
    const size = cell.kind === 'small' ? 8.5 : BODY_SIZE;
    this.pdf.font(bold ? BOLD : REGULAR).fontSize(size);
  }

  private textOptions(cell: Cell, width: number): PDFKit.Mixins.TextOptions {
    const opts: PDFKit.Mixins.TextOptions = { width: width - 2 * PAD_X, lineGap: LINE_GAP };
    if (cell.kind === 'label') opts.align = 'center';
    if (cell.kind === 'paragraph') {
      opts.indent = 2 * BODY_SIZE; // two full-width characters, as Chinese paragraphs start
      opts.align = 'justify';
    }
    return opts;
  }

  /** The heavier frame around the grid on the current page. */
  closeGrid(): void {
    if (this.#gridTop === null) return;
    this.pdf.save().lineWidth(OUTER_RULE).rect(MARGIN.left, this.#gridTop, CONTENT_WIDTH, this.y - this.#gridTop).stroke('#000').restore();
    this.#gridTop = null;
  }

  maxY(): number {
    return A4[1] - MARGIN.bottom;
  }

  /** A continuation page names the document again, so a loose sheet still says what it belongs to. */
  newPage(): void {
    this.closeGrid();
    this.pdf.addPage();
    this.pdf.font(REGULAR).fontSize(9).fillColor('#444');
    this.pdf.text(this.continuation, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH, align: 'right' });
    this.pdf.fillColor('#000');
    this.y = this.pdf.y + 6;
  }
}
