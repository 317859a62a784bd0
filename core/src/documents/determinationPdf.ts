/**
 * The electronic road traffic accident determination, simple procedure
 * (道路交通事故认定书（简易程序）), served to every party after the back-office
 * determination (domain brief, step 6). One A4 page in the usual case: header with the
 * bureau and title, number top right, the accident, one boxed block per party, the facts,
 * the liability finding, the review notice (step 7), the evidence-chain hash, a QR code to
 * the public verification page, and the issuing unit with the date. No signature line: the
 * sources say none is needed.
 *
 * Output is a pure function of the input: the PDF's creation date is `issuedAt`, pdfkit's
 * file id is derived from the info dictionary and its font-subset tags from the font ids, so
 * the same document renders to the same bytes (with the same font file installed).
 */
import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { assertTimeZone, toLocal } from '../policy/localTime.ts';
import { requireCjkFont, type CjkFont } from './fonts.ts';

export type LiabilityGrade = 'full' | 'primary' | 'equal' | 'secondary' | 'none';

/** How each liability grade is printed. */
export const LIABILITY_LABELS: Readonly<Record<LiabilityGrade, string>> = {
  full: '全部责任',
  primary: '主要责任',
  equal: '同等责任',
  secondary: '次要责任',
  none: '无责任',
};

export type PartyRoleLabel = '甲方' | '乙方' | '丙方' | '丁方';

export interface DeterminationParty {
  /** As printed: the caller decides whether it is masked (maskName) or full. */
  name: string;
  role: PartyRoleLabel;
  /** As printed: masked (maskPlate) or full. */
  plate: string;
  /** 车辆类型, e.g. 小型轿车; may be empty (printed as —). */
  vehicleClass: string;
  /** Insurer of the vehicle's compulsory insurance (交强险); may be empty (printed as —). */
  insurer: string;
  /** 过错行为: the fault behaviour the officer found; "无" when there is none. */
  faultBehaviour: string;
  liability: LiabilityGrade;
}

export interface DeterminationDocument {
  /** Document number, e.g. HRB-2026-000123. */
  number: string;
  /** Issuing bureau, e.g. 哈尔滨市公安局交通警察支队. */
  bureau: string;
  /** Brigade that handled the case, e.g. 道里交通警察大队. */
  brigade: string;
  /** City name, e.g. 哈尔滨市; prefixed to the address when the address lacks it. */
  city: string;
  /** IANA zone of the city; every time is printed in local time. */
  timeZone: string;
  issuedAt: Date;
  accident: {
    time: Date;
    /** Street address as confirmed by the party (may be empty when the district is given). */
    address: string;
    /** District, e.g. 道里区 (may be empty when the address is given). */
    district: string;
    lng: number;
    lat: number;
    /** Accident type as text, e.g. 追尾. */
    type: string;
  };
  /** 事故事实: one paragraph (at most MAX_FACTS_CHARS characters). */
  facts: string;
  /** One to four parties, in role order. */
  parties: DeterminationParty[];
  /** Head of the case's evidence hash chain, hex SHA-256. */
  evidenceChainHead: string;
  /** Days after service within which a party may apply for review (3 in every source city). */
  reviewWindowDays: number;
  /**
   * The review notice as printed; `{days}` becomes the window in Chinese numerals.
   * Default: DEFAULT_REVIEW_NOTICE.
   */
  reviewNotice?: string;
  /** Public verification: the URL in the QR code (and printed under it) and the code. */
  verification: { url: string; code: string };
}

export const DEFAULT_REVIEW_NOTICE =
  '当事人对本认定有异议的，可自本认定书送达之日起{days}日内，向上一级公安机关交通管理部门书面申请复核。';

export const MAX_FACTS_CHARS = 1200;
const MAX_FIELD_CHARS = 300;
const MAX_NOTICE_CHARS = 600;

export const DETERMINATION_TITLE = '道路交通事故认定书（简易程序）';

const ROLES: readonly PartyRoleLabel[] = ['甲方', '乙方', '丙方', '丁方'];
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** What the liability finding says of a party at each grade. */
const LIABILITY_PHRASES: Readonly<Record<LiabilityGrade, string>> = {
  full: '承担此事故的全部责任',
  primary: '承担此事故的主要责任',
  equal: '承担此事故的同等责任',
  secondary: '承担此事故的次要责任',
  none: '无责任',
};

// ---- layout -------------------------------------------------------------------------------

const A4: [number, number] = [595.28, 841.89];
const MARGIN = { top: 42, bottom: 50, left: 54, right: 54 };
const CONTENT_WIDTH = A4[0] - MARGIN.left - MARGIN.right;
/** The party column: the role label (甲方 …) spans the party's rows, as on the paper form. */
const ROLE_WIDTH = 34;
const LABEL_WIDTH = 64;
const VALUE_WIDTH = (CONTENT_WIDTH - ROLE_WIDTH - 2 * LABEL_WIDTH) / 2;
/** Five columns: role, label, value, label, value. Rows outside party blocks start their label at column 0 (span 2). */
const COLS = [ROLE_WIDTH, LABEL_WIDTH, VALUE_WIDTH, LABEL_WIDTH, VALUE_WIDTH];
const PAD_X = 6;
const PAD_Y = 4.5;
const MIN_ROW = 21;
const BODY_SIZE = 10.5;
const LINE_GAP = 2.5;
const RULE = 0.7;
const OUTER_RULE = 1.4;
const LABEL_FILL = '#f2f2f2';
const QR_SIZE = 84;

const REGULAR = 'cjk';
const BOLD = 'cjk-bold';

interface Cell {
  text: string;
  span?: number;
  kind?: 'label' | 'value' | 'strong' | 'paragraph' | 'small';
}

type Doc = InstanceType<typeof PDFDocument>;

/**
 * Render the determination to PDF bytes. Throws RangeError for invalid input (no parties,
 * unknown liability grade, malformed hash, bad time zone …) and Error when no CJK font is
 * installed (naming the Debian package).
 */
export async function renderDeterminationPdf(doc: DeterminationDocument, options: { font?: CjkFont } = {}): Promise<Uint8Array> {
  validate(doc);
  const font = options.font ?? requireCjkFont();
  const qr = await QRCode.toBuffer(doc.verification.url, {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 1,
    scale: 6,
    color: { dark: '#000000', light: '#ffffff' },
  });

  const pdf = new PDFDocument({
    size: A4,
    margins: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    lang: 'zh-CN',
    displayTitle: true,
    info: {
      Title: `${DETERMINATION_TITLE} ${doc.number}`,
      Author: doc.bureau,
      Subject: `${doc.brigade} ${doc.number}`,
      Keywords: `事故认定书 简易程序 ${doc.number}`,
      Creator: 'kuaichu',
      Producer: 'kuaichu (pdfkit)',
      CreationDate: doc.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Uint8Array>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  registerFonts(pdf, font);
  new Layout(pdf, doc, qr).draw();
  pdf.end();
  return done;
}

function registerFonts(pdf: Doc, font: CjkFont): void {
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

class Layout {
  #y = MARGIN.top;
  /** Top of the grid on the current page, for the heavier outer frame. */
  #gridTop: number | null = null;

  constructor(
    private readonly pdf: Doc,
    private readonly doc: DeterminationDocument,
    private readonly qr: Buffer,
  ) {}

  draw(): void {
    const { doc } = this;
    const a = doc.accident;
    this.header();
    this.block([
      [
        { text: '事故时间', kind: 'label', span: 2 },
        { text: localDateTime(a.time, doc.timeZone) },
        { text: '事故类型', kind: 'label' },
        { text: a.type },
      ],
      [{ text: '事故地点', kind: 'label', span: 2 }, { text: `${fullAddress(doc)}（${coordinates(a.lng, a.lat)}）`, span: 3 }],
    ]);
    for (const p of doc.parties) this.party(p);
    this.block([[{ text: '交通事故\n事实', kind: 'label', span: 2 }, { text: doc.facts, span: 3, kind: 'paragraph' }]]);
    this.block([[{ text: '责任认定', kind: 'label', span: 2 }, { text: liabilityFinding(doc.parties), span: 3, kind: 'paragraph' }]]);
    this.block([[{ text: '复核', kind: 'label', span: 2 }, { text: reviewNotice(doc), span: 3, kind: 'paragraph' }]]);
    this.block([
      [
        { text: '证据链哈希', kind: 'label', span: 2 },
        { text: `SHA-256  ${doc.evidenceChainHead.toLowerCase()}`, span: 3, kind: 'small' },
      ],
    ]);
    this.closeGrid();
    this.closing();
    this.footers();
  }

  private header(): void {
    const { pdf, doc } = this;
    pdf.font(BOLD).fontSize(14).fillColor('#000');
    pdf.text(doc.bureau, MARGIN.left, this.#y, { width: CONTENT_WIDTH, align: 'center', characterSpacing: 1 });
    this.#y = pdf.y + 4;
    pdf.font(BOLD).fontSize(20);
    pdf.text(DETERMINATION_TITLE, MARGIN.left, this.#y, { width: CONTENT_WIDTH, align: 'center', characterSpacing: 1.5 });
    this.#y = pdf.y + 8;
    pdf.font(REGULAR).fontSize(BODY_SIZE);
    pdf.text(`编号：${doc.number}`, MARGIN.left, this.#y, { width: CONTENT_WIDTH, align: 'right' });
    pdf.text(`办案单位：${doc.brigade}`, MARGIN.left, this.#y, { width: CONTENT_WIDTH, align: 'left' });
    this.#y = pdf.y + 5;
  }

  /** A party: the role spans its rows on the left; name, plate, vehicle, insurer, fault, liability. */
  private party(p: DeterminationParty): void {
    const rows: Cell[][] = [
      [{ text: '姓名', kind: 'label' }, { text: p.name }, { text: '号牌号码', kind: 'label' }, { text: p.plate }],
      [{ text: '车辆类型', kind: 'label' }, { text: orDash(p.vehicleClass) }, { text: '保险公司', kind: 'label' }, { text: orDash(p.insurer) }],
      [{ text: '过错行为', kind: 'label' }, { text: p.faultBehaviour, span: 3 }],
      [{ text: '事故责任', kind: 'label' }, { text: LIABILITY_LABELS[p.liability], span: 3, kind: 'strong' }],
    ];
    const heights = rows.map((r) => this.rowHeight(r, 1));
    const total = heights.reduce((s, h) => s + h, 0);
    this.ensure(total);
    const top = this.#y;
    // The role column reads top to bottom, one character a line, centred in the block.
    const role = Array.from(`当事人${p.role}`);
    this.cell({ text: '', kind: 'label' }, MARGIN.left, top, ROLE_WIDTH, total, {});
    const step = BODY_SIZE + 4;
    let y = top + (total - role.length * step) / 2 + 2;
    this.pdf.font(BOLD).fontSize(BODY_SIZE).fillColor('#000');
    for (const ch of role) {
      this.pdf.text(ch, MARGIN.left, y, { width: ROLE_WIDTH, align: 'center', lineBreak: false });
      y += step;
    }
    rows.forEach((r, i) => this.row(r, heights[i]!, 1));
  }

  /** Rows kept on one page when they fit on one. */
  private block(rows: Cell[][]): void {
    const heights = rows.map((r) => this.rowHeight(r, 0));
    this.ensure(heights.reduce((s, h) => s + h, 0));
    rows.forEach((r, i) => this.row(r, heights[i]!, 0));
  }

  /** Start a new page unless `height` fits on this one (or would not fit on any). */
  private ensure(height: number): void {
    if (this.#y + height > this.maxY() && height <= this.maxY() - MARGIN.top) this.newPage();
  }

  private row(cells: Cell[], height: number, startCol: number): void {
    if (this.#y + height > this.maxY()) this.newPage();
    this.#gridTop ??= this.#y;
    let x = MARGIN.left + COLS.slice(0, startCol).reduce((s, c) => s + c, 0);
    let col = startCol;
    for (const cell of cells) {
      const span = cell.span ?? 1;
      const w = COLS.slice(col, col + span).reduce((s, c) => s + c, 0);
      this.cell(cell, x, this.#y, w, height, this.textOptions(cell, w));
      x += w;
      col += span;
    }
    this.#y += height;
  }

  private cell(cell: Cell, x: number, y: number, w: number, h: number, opts: PDFKit.Mixins.TextOptions): void {
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

  private rowHeight(cells: Cell[], startCol: number): number {
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
  private closeGrid(): void {
    if (this.#gridTop === null) return;
    this.pdf.save().lineWidth(OUTER_RULE).rect(MARGIN.left, this.#gridTop, CONTENT_WIDTH, this.#y - this.#gridTop).stroke('#000').restore();
    this.#gridTop = null;
  }

  /** QR code with the URL under it and the code beside it (left); issuing unit and date (right). */
  private closing(): void {
    const { pdf, doc } = this;
    const urlWidth = 250;
    pdf.font(REGULAR).fontSize(7.5);
    const urlHeight = pdf.heightOfString(doc.verification.url, { width: urlWidth });
    const height = 12 + QR_SIZE + 3 + urlHeight;
    if (this.#y + height > this.maxY()) this.newPage();
    const top = this.#y + 12;
    const left = MARGIN.left;

    pdf.image(this.qr, left, top, { width: QR_SIZE, height: QR_SIZE });
    const beside = left + QR_SIZE + 8;
    pdf.font(BOLD).fontSize(9.5).fillColor('#000');
    pdf.text('扫码核验', beside, top + 4, { width: 150 });
    pdf.font(REGULAR).fontSize(8.5);
    pdf.text('扫描二维码或访问下方网址，核对本认定书内容是否与签发时一致。', beside, pdf.y + 3, { width: 130, lineGap: 1.5 });
    pdf.font(REGULAR).fontSize(9);
    pdf.text(`核验码：${doc.verification.code}`, beside, top + QR_SIZE - 12, { width: 160, lineBreak: false });
    pdf.font(REGULAR).fontSize(7.5);
    pdf.text(doc.verification.url, left, top + QR_SIZE + 3, { width: urlWidth });
    const leftBottom = pdf.y;

    const unitWidth = 200;
    const right = MARGIN.left + CONTENT_WIDTH - unitWidth;
    pdf.font(REGULAR).fontSize(BODY_SIZE);
    pdf.text('作出认定的单位：', right, top + 4, { width: unitWidth, align: 'left' });
    pdf.font(BOLD).fontSize(12);
    pdf.text(doc.bureau, right, pdf.y + 6, { width: unitWidth, align: 'right' });
    pdf.text(doc.brigade, right, pdf.y + 3, { width: unitWidth, align: 'right' });
    pdf.font(REGULAR).fontSize(BODY_SIZE);
    pdf.text(localDate(doc.issuedAt, doc.timeZone), right, pdf.y + 8, { width: unitWidth, align: 'right' });
    pdf.font(REGULAR).fontSize(8.5).fillColor('#444');
    pdf.text(`签发时间：${localDateTime(doc.issuedAt, doc.timeZone)}`, right, pdf.y + 3, { width: unitWidth, align: 'right' });
    pdf.fillColor('#000');
    this.#y = Math.max(leftBottom, pdf.y) + 8;
  }

  /** Every page: the electronic-document note and page x/n, inside the bottom margin. */
  private footers(): void {
    const { pdf } = this;
    const range = pdf.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      pdf.switchToPage(i);
      const bottom = pdf.page.margins.bottom;
      pdf.page.margins.bottom = 0; // writing inside the margin must not open a new page
      const y = A4[1] - MARGIN.bottom + 14;
      pdf.save().lineWidth(0.5).strokeColor('#888').moveTo(MARGIN.left, y - 5).lineTo(MARGIN.left + CONTENT_WIDTH, y - 5).stroke().restore();
      pdf.font(REGULAR).fontSize(7.5).fillColor('#444');
      pdf.text('本认定书为电子文书，无需当事人签名，可自助打印；扫描二维码或访问所印网址可核验真伪。', MARGIN.left, y, {
        width: CONTENT_WIDTH - 70,
        lineBreak: false,
      });
      pdf.text(`第${i - range.start + 1}页 共${range.count}页`, MARGIN.left, y, { width: CONTENT_WIDTH, align: 'right', lineBreak: false });
      pdf.page.margins.bottom = bottom;
    }
    pdf.fillColor('#000');
  }

  private maxY(): number {
    return A4[1] - MARGIN.bottom;
  }

  /** A continuation page names the document again, so a loose sheet still says what it belongs to. */
  private newPage(): void {
    this.closeGrid();
    this.pdf.addPage();
    this.pdf.font(REGULAR).fontSize(9).fillColor('#444');
    this.pdf.text(`${DETERMINATION_TITLE}（续页）  编号：${this.doc.number}`, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH, align: 'right' });
    this.pdf.fillColor('#000');
    this.#y = this.pdf.y + 6;
  }
}

// ---- text ---------------------------------------------------------------------------------

/** "2026年06月01日 10时30分" in the given zone. */
export function localDateTime(at: Date, timeZone: string): string {
  const t = toLocal(at, timeZone);
  return `${localDate(at, timeZone)} ${pad(Math.floor(t.minute / 60))}时${pad(t.minute % 60)}分`;
}

/** "2026年06月01日" in the given zone. */
export function localDate(at: Date, timeZone: string): string {
  const t = toLocal(at, timeZone);
  return `${t.year}年${pad(t.month)}月${pad(t.day)}日`;
}

/** 1–99 in Chinese numerals: 3 → 三, 10 → 十, 15 → 十五, 30 → 三十. */
export function chineseNumeral(n: number): string {
  const digits = '〇一二三四五六七八九';
  if (!Number.isInteger(n) || n < 0 || n > 99) return String(n);
  if (n < 10) return digits[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : digits[tens]}十${ones === 0 ? '' : digits[ones]}`;
}

function reviewNotice(doc: DeterminationDocument): string {
  return (doc.reviewNotice ?? DEFAULT_REVIEW_NOTICE).replaceAll('{days}', chineseNumeral(doc.reviewWindowDays));
}

function liabilityFinding(parties: readonly DeterminationParty[]): string {
  return `根据上述事实，认定：${parties.map((p) => `${p.role}${p.name}${LIABILITY_PHRASES[p.liability]}`).join('；')}。`;
}

function fullAddress(doc: DeterminationDocument): string {
  const { address, district } = doc.accident;
  const prefix = (address.startsWith(doc.city) ? '' : doc.city) + (district && address.includes(district) ? '' : district);
  return prefix + address;
}

function coordinates(lng: number, lat: number): string {
  const ew = lng >= 0 ? '东经' : '西经';
  const ns = lat >= 0 ? '北纬' : '南纬';
  return `${ew}${Math.abs(lng).toFixed(6)}°，${ns}${Math.abs(lat).toFixed(6)}°`;
}

/** Empty optional fields print as a dash, so a blank cell is visibly "not recorded". */
function orDash(s: string): string {
  return s.trim() === '' ? '—' : s;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// ---- validation ---------------------------------------------------------------------------

function validate(doc: DeterminationDocument): void {
  const fail = (msg: string): never => {
    throw new RangeError(`determination ${doc.number || '(no number)'}: ${msg}`);
  };
  const text = (value: unknown, field: string, max = MAX_FIELD_CHARS): void => {
    if (typeof value !== 'string' || value.trim() === '') fail(`${field} is empty`);
    else if (Array.from(value).length > max) fail(`${field} is longer than ${max} characters`);
  };
  /** May be empty (printed as a dash); must be a string of sane length. */
  const optional = (value: unknown, field: string, max = MAX_FIELD_CHARS): void => {
    if (typeof value !== 'string') fail(`${field} is not a string`);
    else if (Array.from(value).length > max) fail(`${field} is longer than ${max} characters`);
  };
  const time = (value: unknown, field: string): void => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail(`${field} is not a valid Date`);
  };
  text(doc.number, 'number', 64);
  text(doc.bureau, 'bureau', 64);
  text(doc.brigade, 'brigade', 64);
  text(doc.city, 'city', 32);
  try {
    assertTimeZone(doc.timeZone);
  } catch {
    fail(`unknown time zone ${doc.timeZone}`);
  }
  time(doc.issuedAt, 'issuedAt');
  time(doc.accident?.time, 'accident.time');
  optional(doc.accident.address, 'accident.address');
  optional(doc.accident.district, 'accident.district', 32);
  if (doc.accident.address.trim() === '' && doc.accident.district.trim() === '') fail('accident.address and accident.district are both empty');
  text(doc.accident.type, 'accident.type', 64);
  const { lng, lat } = doc.accident;
  if (!Number.isFinite(lng) || Math.abs(lng) > 180 || !Number.isFinite(lat) || Math.abs(lat) > 90) fail(`bad coordinates ${lng},${lat}`);
  text(doc.facts, 'facts', MAX_FACTS_CHARS);
  if (!Array.isArray(doc.parties) || doc.parties.length === 0) fail('no parties');
  if (doc.parties.length > ROLES.length) fail(`at most ${ROLES.length} parties`);
  const seen = new Set<string>();
  doc.parties.forEach((p, i) => {
    const at = `parties[${i}]`;
    if (!ROLES.includes(p.role)) fail(`${at}.role ${String(p.role)} is not one of ${ROLES.join('/')}`);
    if (seen.has(p.role)) fail(`${at}.role ${p.role} appears twice`);
    seen.add(p.role);
    if (!Object.hasOwn(LIABILITY_LABELS, p.liability)) fail(`${at}.liability ${String(p.liability)} is not one of ${Object.keys(LIABILITY_LABELS).join('|')}`);
    text(p.name, `${at}.name`, 64);
    text(p.plate, `${at}.plate`, 32);
    optional(p.vehicleClass, `${at}.vehicleClass`, 64);
    optional(p.insurer, `${at}.insurer`, 64);
    text(p.faultBehaviour, `${at}.faultBehaviour`);
  });
  if (!SHA256_HEX.test(doc.evidenceChainHead ?? '')) fail('evidenceChainHead is not a hex SHA-256');
  if (!Number.isInteger(doc.reviewWindowDays) || doc.reviewWindowDays < 1 || doc.reviewWindowDays > 99) {
    fail(`reviewWindowDays ${doc.reviewWindowDays} is not a whole number of days between 1 and 99`);
  }
  if (doc.reviewNotice !== undefined) text(doc.reviewNotice, 'reviewNotice', MAX_NOTICE_CHARS);
  text(doc.verification?.url, 'verification.url', 512);
  text(doc.verification?.code, 'verification.code', 64);
}
