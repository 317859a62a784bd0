/**
 * The determination's page, top to bottom: header with the bureau and title, number top right,
 * the accident, one boxed block per party, the facts, the liability finding, the review notice,
 * the evidence-chain hash (all on the grid, pdfGrid.ts), then the QR code with the verification
 * address beside the issuing unit and date, and a footer on every page.
 */
import { documentTitle, isSigned, LIABILITY_LABELS, type DeterminationDocument, type DeterminationParty } from './determinationDocument.ts';
import { agreementFinding, coordinates, fullAddress, liabilityFinding, localDate, localDateTime, mediationFinding, orDash, reviewNotice } from './determinationText.ts';
import { BOLD, REGULAR } from './pdfFonts.ts';
import { A4, BODY_SIZE, CONTENT_WIDTH, Grid, MARGIN, ROLE_WIDTH, type Cell, type Doc } from './pdfGrid.ts';

const QR_SIZE = 84;

export class DeterminationLayout {
  readonly #grid: Grid;

  /** `qr`: the PNG of the verification URL's QR code. */
  constructor(
    private readonly pdf: Doc,
    private readonly doc: DeterminationDocument,
    private readonly qr: Buffer,
  ) {
    this.#grid = new Grid(pdf, `${documentTitle(doc)}（续页）  编号：${doc.number}`);
  }

  draw(): void {
    const { doc } = this;
    const grid = this.#grid;
    const a = doc.accident;
    this.header();
    grid.block([
      [
        { text: '事故时间', kind: 'label', span: 2 },
        { text: localDateTime(a.time, doc.timeZone) },
        { text: '事故类型', kind: 'label' },
        { text: a.type },
      ],
      [{ text: '事故地点', kind: 'label', span: 2 }, { text: `${fullAddress(doc)}（${coordinates(a.lng, a.lat)}）`, span: 3 }],
    ]);
    for (const p of doc.parties) this.party(p);
    grid.block([[{ text: '交通事故\n事实', kind: 'label', span: 2 }, { text: doc.facts, span: 3, kind: 'paragraph' }]]);
    if (isSigned(doc)) {
      // The parties' own agreement, or the mediation agreement: what they agreed, and each one's electronic signature.
      if (doc.kind === 'mediation' && doc.mediation) {
        grid.block([[{ text: '调解时间', kind: 'label', span: 2 }, { text: localDateTime(new Date(doc.mediation.heldAt), doc.timeZone) }, { text: '调解员', kind: 'label' }, { text: doc.mediation.mediator }]]);
        grid.block([[{ text: '调解结果', kind: 'label', span: 2 }, { text: mediationFinding(doc.parties, doc.mediation), span: 3, kind: 'paragraph' }]]);
      } else {
        grid.block([[{ text: '协商结果', kind: 'label', span: 2 }, { text: agreementFinding(doc.parties), span: 3, kind: 'paragraph' }]]);
      }
      grid.block((doc.signatures ?? []).map((s) => [
        { text: `${s.role}签名`, kind: 'label', span: 2 },
        { text: `${s.name}　以短信验证码（${s.phone}）电子签名　${localDateTime(new Date(s.at), doc.timeZone)}`, span: 3 },
      ]));
    } else {
      grid.block([[{ text: '责任认定', kind: 'label', span: 2 }, { text: liabilityFinding(doc.parties), span: 3, kind: 'paragraph' }]]);
      grid.block([[{ text: '复核', kind: 'label', span: 2 }, { text: reviewNotice(doc), span: 3, kind: 'paragraph' }]]);
    }
    grid.block([
      [
        { text: '证据链哈希', kind: 'label', span: 2 },
        { text: `SHA-256  ${doc.evidenceChainHead.toLowerCase()}`, span: 3, kind: 'small' },
      ],
    ]);
    grid.closeGrid();
    this.closing();
    this.footers();
  }

  private header(): void {
    const { pdf, doc } = this;
    const grid = this.#grid;
    pdf.font(BOLD).fontSize(14).fillColor('#000');
    pdf.text(doc.bureau, MARGIN.left, grid.y, { width: CONTENT_WIDTH, align: 'center', characterSpacing: 1 });
    grid.y = pdf.y + 4;
    pdf.font(BOLD).fontSize(20);
    pdf.text(documentTitle(doc), MARGIN.left, grid.y, { width: CONTENT_WIDTH, align: 'center', characterSpacing: 1.5 });
    grid.y = pdf.y + 8;
    pdf.font(REGULAR).fontSize(BODY_SIZE);
    pdf.text(`编号：${doc.number}`, MARGIN.left, grid.y, { width: CONTENT_WIDTH, align: 'right' });
    pdf.text(`${isSigned(doc) ? '受理单位' : '办案单位'}：${doc.brigade}`, MARGIN.left, grid.y, { width: CONTENT_WIDTH, align: 'left' });
    grid.y = pdf.y + 5;
  }

  /** A party: the role spans its rows on the left; name, plate, vehicle, insurer, fault, liability. */
  private party(p: DeterminationParty): void {
    const grid = this.#grid;
    const rows: Cell[][] = [
      [{ text: '姓名', kind: 'label' }, { text: p.name }, { text: '号牌号码', kind: 'label' }, { text: p.plate }],
      [{ text: '车辆类型', kind: 'label' }, { text: orDash(p.vehicleClass) }, { text: '保险公司', kind: 'label' }, { text: orDash(p.insurer) }],
      [{ text: '过错行为', kind: 'label' }, { text: p.faultBehaviour, span: 3 }],
      [{ text: '事故责任', kind: 'label' }, { text: LIABILITY_LABELS[p.liability], span: 3, kind: 'strong' }],
    ];
    const heights = rows.map((r) => grid.rowHeight(r, 1));
    const total = heights.reduce((s, h) => s + h, 0);
    grid.ensure(total);
    const top = grid.y;
    // The role column reads top to bottom, one character a line, centred in the block.
    const role = Array.from(`当事人${p.role}`);
    grid.cell({ text: '', kind: 'label' }, MARGIN.left, top, ROLE_WIDTH, total, {});
    const step = BODY_SIZE + 4;
    let y = top + (total - role.length * step) / 2 + 2;
    this.pdf.font(BOLD).fontSize(BODY_SIZE).fillColor('#000');
    for (const ch of role) {
      this.pdf.text(ch, MARGIN.left, y, { width: ROLE_WIDTH, align: 'center', lineBreak: false });
      y += step;
    }
    rows.forEach((r, i) => grid.row(r, heights[i]!, 1));
  }

  /** QR code with the URL under it and the code beside it (left); issuing unit and date (right). */
  private closing(): void {
    const { pdf, doc } = this;
    const grid = this.#grid;
    const urlWidth = 250;
    pdf.font(REGULAR).fontSize(7.5);
    const urlHeight = pdf.heightOfString(doc.verification.url, { width: urlWidth });
    const height = 12 + QR_SIZE + 3 + urlHeight;
    if (grid.y + height > grid.maxY()) grid.newPage();
    const top = grid.y + 12;
    const left = MARGIN.left;

    pdf.image(this.qr, left, top, { width: QR_SIZE, height: QR_SIZE });
    const beside = left + QR_SIZE + 8;
    pdf.font(BOLD).fontSize(9.5).fillColor('#000');
    pdf.text('扫码核验', beside, top + 4, { width: 150 });
    pdf.font(REGULAR).fontSize(8.5);
    pdf.text(`扫描二维码或访问下方网址，核对本${isSigned(doc) ? '协议书' : '认定书'}内容是否与签发时一致。`, beside, pdf.y + 3, { width: 130, lineGap: 1.5 });
    pdf.font(REGULAR).fontSize(9);
    pdf.text(`核验码：${doc.verification.code}`, beside, top + QR_SIZE - 12, { width: 160, lineBreak: false });
    pdf.font(REGULAR).fontSize(7.5);
    pdf.text(doc.verification.url, left, top + QR_SIZE + 3, { width: urlWidth });
    const leftBottom = pdf.y;

    const unitWidth = 200;
    const right = MARGIN.left + CONTENT_WIDTH - unitWidth;
    pdf.font(REGULAR).fontSize(BODY_SIZE);
    pdf.text(isSigned(doc) ? '备案单位：' : '作出认定的单位：', right, top + 4, { width: unitWidth, align: 'left' });
    pdf.font(BOLD).fontSize(12);
    pdf.text(doc.bureau, right, pdf.y + 6, { width: unitWidth, align: 'right' });
    pdf.text(doc.brigade, right, pdf.y + 3, { width: unitWidth, align: 'right' });
    pdf.font(REGULAR).fontSize(BODY_SIZE);
    pdf.text(localDate(doc.issuedAt, doc.timeZone), right, pdf.y + 8, { width: unitWidth, align: 'right' });
    pdf.font(REGULAR).fontSize(8.5).fillColor('#444');
    pdf.text(`签发时间：${localDateTime(doc.issuedAt, doc.timeZone)}`, right, pdf.y + 3, { width: unitWidth, align: 'right' });
    pdf.fillColor('#000');
    grid.y = Math.max(leftBottom, pdf.y) + 8;
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
      const note = isSigned(this.doc)
        ? '本协议书由双方当事人以短信验证码电子签名，为电子文书，可自助打印；扫描二维码或访问所印网址可核验真伪。'
        : '本认定书为电子文书，无需当事人签名，可自助打印；扫描二维码或访问所印网址可核验真伪。';
      pdf.text(note, MARGIN.left, y, {
        width: CONTENT_WIDTH - 70,
        lineBreak: false,
      });
      pdf.text(`第${i - range.start + 1}页 共${range.count}页`, MARGIN.left, y, { width: CONTENT_WIDTH, align: 'right', lineBreak: false });
      pdf.page.margins.bottom = bottom;
    }
    pdf.fillColor('#000');
  }
}
