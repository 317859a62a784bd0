import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  chineseNumeral,
  localDateTime,
  renderDeterminationPdf,
  type DeterminationDocument,
} from '../src/documents/determinationPdf.ts';
import { CJK_FONT_PACKAGE, findCjkFont, requireCjkFont } from '../src/documents/fonts.ts';
import {
  determinationContentSha256,
  documentCode,
  formatCode,
  normalizeCode,
  verificationUrl,
  verifyDocumentCode,
  type DeterminationContent,
} from '../src/documents/verification.ts';
import { maskName, maskPlate } from '../src/privacy/mask.ts';

import { content, sample, SECRET, HASH } from './support/determinationSample.ts';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const squash = (s: string): string => s.replace(/\s+/g, '');

/** Text of a PDF through poppler's pdftotext, or null when it is not installed. */
function pdftotext(bytes: Uint8Array): string | null {
  const probe = spawnSync('pdftotext', ['-v'], { encoding: 'utf8' });
  if (probe.error) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-pdf-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    writeFileSync(file, bytes);
    const r = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `pdftotext failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const NO_PDFTOTEXT = 'pdftotext not installed: install the Debian package poppler-utils (the bootstrap does) to check the PDF text';
const hasPdftotext = !spawnSync('pdftotext', ['-v']).error;

test('a CJK font is installed (the bootstrap installs it)', () => {
  const font = findCjkFont();
  assert.ok(font, `no CJK font: apt-get install ${CJK_FONT_PACKAGE}`);
});

test('the PDF is an A4 PDF with an embedded CJK font subset, under 1 MB', async () => {
  const pdf = await renderDeterminationPdf(sample());
  const raw = latin1(pdf);
  assert.ok(raw.startsWith('%PDF-'), 'starts with %PDF');
  assert.ok(raw.trimEnd().endsWith('%%EOF'), 'ends with %%EOF');
  assert.match(raw, /\/MediaBox \[0 0 595\.28 841\.89\]/, 'A4');
  const font = requireCjkFont();
  // A subset font's name carries a six-letter tag: ABCDEF+NotoSerifCJKsc-Regular.
  const names = [...raw.matchAll(/\/FontName \/([A-Z]{6})\+([^\s/]+)/g)].map((m) => m[2]);
  assert.ok(names.length >= 1, 'a subset font is embedded');
  if (font.family) assert.ok(names.includes(font.family), `embedded ${names.join(', ')}; expected ${font.family}`);
  assert.match(raw, /\/FontFile[23]? /, 'the font program is embedded, not just referenced');
  assert.match(raw, /\/ToUnicode /, 'text can be extracted and searched');
  assert.ok(pdf.length < 1024 * 1024, `PDF is ${pdf.length} bytes`);
  assert.equal([...raw.matchAll(/\/Type \/Page\b(?!s)/g)].length, 1, 'two parties fit on one page');
});

test('the same document renders to the same bytes', async () => {
  const [a, b] = await Promise.all([renderDeterminationPdf(sample()), renderDeterminationPdf(sample())]);
  assert.ok(Buffer.from(a).equals(Buffer.from(b)), 'byte-identical output');
  const other = await renderDeterminationPdf(sample({ issuedAt: new Date('2026-06-01T02:31:00Z') }));
  assert.ok(!Buffer.from(a).equals(Buffer.from(other)), 'a different document differs');
});

test('the extracted text holds the determination', { skip: hasPdftotext ? false : NO_PDFTOTEXT }, async () => {
  const doc = sample();
  const text = pdftotext(await renderDeterminationPdf(doc));
  assert.ok(text !== null);
  const flat = squash(text);
  for (const s of [
    '道路交通事故认定书（简易程序）',
    '哈尔滨市公安局交通警察支队',
    '道里交通警察大队',
    'HRB-2026-000123',
    '2026年06月01日09时12分', // accident time in Harbin local time (01:12 UTC)
    '2026年06月01日10时30分', // issued at, local
    '哈尔滨市道里区友谊路与经纬街交叉口',
    '东经126.617000°',
    '追尾',
    '张**',
    '李*',
    '黑A1***5',
    '黑AD****0',
    '小型新能源汽车',
    '中国人民财产保险股份有限公司',
    '未与前车保持足以采取紧急制动措施的安全距离',
    '全部责任',
    '无责任',
    '甲方张**承担此事故的全部责任；乙方李*无责任',
    '当事人对本认定有异议的，可自本认定书送达之日起三日内，向上一级公安机关交通管理部门书面申请复核。',
    HASH,
    doc.verification.url,
    `核验码：${doc.verification.code}`,
  ]) {
    assert.ok(flat.includes(squash(s)), `missing from the PDF text: ${s}`);
  }
  assert.ok(!flat.includes('张三丰') && !flat.includes('黑A12345'), 'the PDF shows only what it is given (masked)');
});

test('liability grades, the review window and a custom notice are printed', { skip: hasPdftotext ? false : NO_PDFTOTEXT }, async () => {
  const c = content();
  const doc = sample({
    parties: [
      { ...c.parties[0]!, liability: 'primary' },
      { ...c.parties[1]!, liability: 'secondary', faultBehaviour: '变更车道时未让行' },
      { ...c.parties[1]!, role: '丙方', name: '王*', liability: 'equal', vehicleClass: '', insurer: '' },
    ],
    reviewWindowDays: 5,
    reviewNotice: '当事人对本认定有异议的，可自本认定书送达之日起{days}日内书面申请复核；各方当事人也可共同到大队事故处理部门处理。',
  });
  const pdf = await renderDeterminationPdf(doc);
  const flat = squash(pdftotext(pdf) ?? '');
  for (const s of ['主要责任', '次要责任', '同等责任', '丙方', '王*', '送达之日起五日内书面申请复核', '共同到大队事故处理部门处理']) {
    assert.ok(flat.includes(s), `missing: ${s}`);
  }
  assert.equal(flat.split('—').length - 1, 2, 'empty vehicle class and insurer print as a dash');
  // Three parties do not fit one page: the continuation page names the document again.
  assert.equal([...latin1(pdf).matchAll(/\/Type \/Page\b(?!s)/g)].length, 2);
  assert.ok(flat.includes('（续页）编号：HRB-2026-000123'));
});

test('invalid documents are refused before rendering', async () => {
  const c = content();
  const cases: Array<[string, Partial<DeterminationContent>, RegExp]> = [
    ['no parties', { parties: [] }, /no parties/],
    ['bad liability', { parties: [{ ...c.parties[0]!, liability: 'most' as never }] }, /liability most/],
    ['duplicate role', { parties: [c.parties[0]!, { ...c.parties[1]!, role: '甲方' }] }, /appears twice/],
    ['bad hash', { evidenceChainHead: 'abc' }, /evidenceChainHead/],
    ['bad zone', { timeZone: 'Mars/Olympus' }, /time zone/],
    ['bad window', { reviewWindowDays: 0 }, /reviewWindowDays/],
    ['empty facts', { facts: ' ' }, /facts is empty/],
    ['bad date', { issuedAt: new Date('nope') }, /issuedAt/],
    ['no place', { accident: { ...c.accident, address: '', district: '' } }, /both empty/],
    ['empty plate', { parties: [{ ...c.parties[0]!, plate: '' }] }, /plate is empty/],
  ];
  for (const [label, over, message] of cases) {
    await assert.rejects(renderDeterminationPdf({ ...sample(), ...over }), (e: unknown) => {
      assert.ok(e instanceof RangeError, `${label}: ${String(e)}`);
      assert.match(e.message, message, label);
      return true;
    });
  }
});

test('a missing CJK font is a clear error naming the Debian package', () => {
  const none = { env: {}, candidates: [], exists: () => false };
  assert.equal(findCjkFont(none), null);
  assert.throws(() => requireCjkFont(none), (e: unknown) => e instanceof Error && e.message.includes(`apt-get install ${CJK_FONT_PACKAGE}`));
  assert.equal(CJK_FONT_PACKAGE, 'fonts-noto-cjk');
});

test('findCjkFont honours KUAICHU_CJK_FONT and the known locations', () => {
  const files = new Set(['/fonts/a.ttf', '/fonts/b.ttc', '/fonts/b-bold.ttc']);
  const exists = (p: string) => files.has(p);
  assert.deepEqual(findCjkFont({ env: { KUAICHU_CJK_FONT: '/fonts/a.ttf' }, exists }), { path: '/fonts/a.ttf' });
  assert.throws(() => findCjkFont({ env: { KUAICHU_CJK_FONT: '/fonts/missing.ttf' }, exists }), /no such file/);
  assert.throws(() => findCjkFont({ env: { KUAICHU_CJK_FONT: '/fonts/b.ttc' }, exists }), /KUAICHU_CJK_FONT_FAMILY/);
  assert.deepEqual(findCjkFont({ env: { KUAICHU_CJK_FONT: '/fonts/b.ttc', KUAICHU_CJK_FONT_FAMILY: 'B-Regular' }, exists }), {
    path: '/fonts/b.ttc',
    family: 'B-Regular',
  });
  const candidates = [
    { path: '/fonts/missing.ttc', family: 'X' },
    { path: '/fonts/b.ttc', family: 'B-Regular', bold: { path: '/fonts/b-bold.ttc', family: 'B-Bold' } },
  ];
  assert.deepEqual(findCjkFont({ env: {}, candidates, exists }), {
    path: '/fonts/b.ttc',
    family: 'B-Regular',
    bold: { path: '/fonts/b-bold.ttc', family: 'B-Bold' },
  });
});

test('documentCode is a 16-character base32 HMAC of number and content', () => {
  const digest = determinationContentSha256(content());
  const code = documentCode('HRB-2026-000123', digest, SECRET);
  assert.match(code, /^[A-Z2-7]{16}$/);
  assert.equal(documentCode('HRB-2026-000123', digest, SECRET), code, 'deterministic');
  assert.equal(documentCode('HRB-2026-000123', digest.toUpperCase(), SECRET), code, 'hex case does not matter');
  assert.notEqual(documentCode('HRB-2026-000124', digest, SECRET), code, 'bound to the number');
  assert.notEqual(documentCode('HRB-2026-000123', HASH, SECRET), code, 'bound to the content');
  assert.notEqual(documentCode('HRB-2026-000123', digest, `${SECRET}x`), code, 'bound to the secret');
  assert.throws(() => documentCode('HRB-2026-000123', 'xyz', SECRET), RangeError);
  assert.throws(() => documentCode('HRB-2026-000123', digest, 'short'), /at least 16 bytes/);
});

test('the content digest ignores key order and the verification block, and sees every change', () => {
  const c = content();
  const reordered = Object.fromEntries(Object.entries(c).reverse()) as DeterminationContent;
  assert.equal(determinationContentSha256(reordered), determinationContentSha256(c));
  assert.equal(determinationContentSha256(sample()), determinationContentSha256(c), 'verification is excluded');
  const altered = { ...c, parties: [{ ...c.parties[0]!, liability: 'primary' as const }, c.parties[1]!] };
  assert.notEqual(determinationContentSha256(altered), determinationContentSha256(c));
  const later = { ...c, issuedAt: new Date(c.issuedAt.getTime() + 1) };
  assert.notEqual(determinationContentSha256(later), determinationContentSha256(c));
});

test('verifyDocumentCode proves a stored record unaltered', () => {
  const c = content();
  const record = { number: c.number, contentSha256: determinationContentSha256(c) };
  const code = documentCode(record.number, record.contentSha256, SECRET);
  assert.deepEqual(verifyDocumentCode(code, record, SECRET), { ok: true });
  assert.deepEqual(verifyDocumentCode(formatCode(code).toLowerCase(), record, SECRET), { ok: true }, 'as printed, any case');
  const tampered = { ...record, contentSha256: determinationContentSha256({ ...c, facts: `${c.facts}补充。` }) };
  assert.deepEqual(verifyDocumentCode(code, tampered, SECRET), { ok: false, reason: 'altered_or_foreign' });
  assert.deepEqual(verifyDocumentCode(code, record, 'another-secret-0123456789'), { ok: false, reason: 'altered_or_foreign' });
  assert.deepEqual(verifyDocumentCode('ABC', record, SECRET), { ok: false, reason: 'malformed_code' });
  assert.deepEqual(verifyDocumentCode('ABCDEFGHIJKLMNO9', record, SECRET), { ok: false, reason: 'malformed_code' });
});

test('codes read back from print and the URL is well formed', () => {
  assert.equal(formatCode('ABCDEFGHIJKLMNOP'), 'ABCD-EFGH-IJKL-MNOP');
  assert.equal(normalizeCode(' abcd-efgh ijkl_mnop '), 'ABCDEFGHIJKLMNOP');
  assert.equal(normalizeCode('ABCD-EFGH-IJKL-MN0P'), 'ABCDEFGHIJKLMNOP', 'a typed zero is the letter O');
  assert.equal(normalizeCode('ABCD'), null);
  assert.equal(verificationUrl('https://x.example/', 'ABCDEFGHIJKLMNOP'), 'https://x.example/verify/ABCDEFGHIJKLMNOP');
});

test('local time and Chinese numerals', () => {
  assert.equal(localDateTime(new Date('2026-06-01T02:30:00Z'), 'Asia/Shanghai'), '2026年06月01日 10时30分');
  assert.equal(localDateTime(new Date('2026-05-31T16:05:00Z'), 'Asia/Shanghai'), '2026年06月01日 00时05分');
  assert.deepEqual([1, 3, 10, 15, 20, 23, 99].map(chineseNumeral), ['一', '三', '十', '十五', '二十', '二十三', '九十九']);
});
