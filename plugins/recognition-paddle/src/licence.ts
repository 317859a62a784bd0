/**
 * Fields of a driver licence (机动车驾驶证) or vehicle licence (机动车行驶证) from OCR lines.
 * A field's value stands after its printed label, in the same box ("姓名张三") or in the next
 * box to the right on the same row; when a label is not read, the value's own shape finds it
 * (an 18-character ID number, a 17-character VIN, a plate).
 */
import type { LicenceField, LicenceReading } from '@kuaichu/core/ports';
import { centre, height, type OcrLine } from './lines.ts';
import { platesIn } from './plate.ts';

/** GB 11643 citizen ID number (the driver licence number is the holder's ID number). */
const ID_RE = /[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]/;
/** ISO 3779 VIN: 17 characters, never I, O or Q. */
const VIN_RE = /[A-HJ-NPR-Z0-9]{17}/;
const NAME_RE = /[\u4e00-\u9fa5][\u4e00-\u9fa5·]{0,14}[\u4e00-\u9fa5]/;

const LABELS = ['姓名', '性别', '国籍', '住址', '出生日期', '初次领证日期', '准驾车型', '有效期限', '证号', '号牌号码', '车辆类型', '所有人', '使用性质', '品牌型号', '车辆识别代号', '发动机号码', '注册日期', '发证日期'];

/** Whether a driver licence's ID number has a valid GB 11643 check character. */
export function idChecksumValid(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((s, w, i) => s + w * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17];
}

function compact(s: string): string {
  return s.replace(/[\s:：]/g, '');
}

/** The value after `label`: the rest of its own box, else the nearest box to its right on the same row. */
function valueAfter(lines: readonly OcrLine[], label: string): OcrLine | null {
  const own = lines.find((l) => compact(l.text).includes(label));
  if (!own) return null;
  const rest = compact(own.text).split(label)[1] ?? '';
  if (rest && !LABELS.some((other) => rest.startsWith(other))) return { ...own, text: rest };
  const [cx, cy] = centre(own.box);
  const right = lines
    .filter((l) => l !== own && centre(l.box)[0] > cx && Math.abs(centre(l.box)[1] - cy) < Math.max(height(l.box), height(own.box)) / 2)
    .sort((a, b) => centre(a.box)[0] - centre(b.box)[0]);
  return right[0] ?? null;
}

function field(line: OcrLine, text: string): LicenceField {
  return { text, confidence: line.confidence, box: line.box };
}

function match(lines: readonly OcrLine[], label: string, re: RegExp, clean: (s: string) => string = compact): LicenceField | undefined {
  const labelled = valueAfter(lines, label);
  const m = labelled && clean(labelled.text).match(re);
  if (labelled && m) return field(labelled, m[0]);
  for (const line of lines) {
    const any = clean(line.text).match(re);
    if (any) return field(line, any[0]);
  }
  return undefined;
}

const upperId = (s: string) => compact(s).toUpperCase().replace(/[Oo]/g, '0');
const upperVin = (s: string) => compact(s).toUpperCase().replace(/O/g, '0').replace(/[IQ]/g, (c) => (c === 'I' ? '1' : '0'));

export function parseLicence(lines: readonly OcrLine[]): LicenceReading {
  const all = lines.map((l) => compact(l.text)).join('');
  const kind = all.includes('驾驶证') || all.includes('准驾车型') ? 'driver' : all.includes('行驶证') || all.includes('车辆识别代号') ? 'vehicle' : null;
  const fields: LicenceReading['fields'] = {};
  const nameLine = valueAfter(lines, kind === 'vehicle' ? '所有人' : '姓名') ?? valueAfter(lines, '姓名') ?? valueAfter(lines, '所有人');
  const name = nameLine && compact(nameLine.text).match(NAME_RE);
  if (nameLine && name) fields.name = field(nameLine, name[0]);
  if (kind !== 'vehicle') {
    const id = match(lines, '证号', ID_RE, upperId);
    if (id) fields.licenceNumber = id;
  }
  if (kind !== 'driver') {
    const labelled = valueAfter(lines, '号牌号码');
    const fromLabel = labelled && platesIn(labelled.text)[0];
    if (labelled && fromLabel) fields.plate = field(labelled, fromLabel.plate);
    else {
      for (const line of lines) {
        const p = platesIn(line.text)[0];
        if (p) { fields.plate = field(line, p.plate); break; }
      }
    }
    const vin = match(lines, '车辆识别代号', VIN_RE, upperVin);
    // A VIN mixes letters and digits; 17 digits alone is more likely an ID number.
    if (vin && /[A-Z]/.test(vin.text)) fields.vin = vin;
  }
  return { kind, fields };
}
