/**
 * The electronic road traffic accident determination, simple procedure
 * (道路交通事故认定书（简易程序）), served to every party after the back-office
 * determination (domain brief, step 6). One A4 page in the usual case (determinationLayout.ts).
 * No signature line: the sources say none is needed.
 *
 * Output is a pure function of the input: the PDF's creation date is `issuedAt`, pdfkit's
 * file id is derived from the info dictionary and its font-subset tags from the font ids, so
 * the same document renders to the same bytes (with the same font file installed).
 */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { documentTitle, type DeterminationDocument } from './determinationDocument.ts';
import { DeterminationLayout } from './determinationLayout.ts';
import { validateDetermination } from './determinationValidate.ts';
import { requireCjkFont, type CjkFont } from './fonts.ts';
import { registerFonts } from './pdfFonts.ts';
import { A4, MARGIN } from './pdfGrid.ts';

export * from './determinationDocument.ts';
export { chineseNumeral, localDate, localDateTime } from './determinationText.ts';

/**
 * Render the determination to PDF bytes. Throws RangeError for invalid input (no parties,
 * unknown liability grade, malformed hash, bad time zone …) and Error when no CJK font is
 * installed (naming the Debian package).
 */
export async function renderDeterminationPdf(doc: DeterminationDocument, options: { font?: CjkFont } = {}): Promise<Uint8Array> {
  validateDetermination(doc);
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
      Title: `${documentTitle(doc)} ${doc.number}`,
      Author: doc.bureau,
      Subject: `${doc.brigade} ${doc.number}`,
      Keywords: doc.kind === 'agreement' ? `自行协商协议书 事故快处 ${doc.number}` : doc.kind === 'mediation' ? `调解协议书 线上调解 ${doc.number}` : `事故认定书 简易程序 ${doc.number}`,
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
  new DeterminationLayout(pdf, doc, qr).draw();
  pdf.end();
  return done;
}
