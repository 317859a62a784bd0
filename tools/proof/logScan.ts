/**
 * Personal data in a log: resident ID numbers (GB 11643: 17 digits and a check character,
 * ISO 7064 MOD 11-2, with a real birth date in digits 7–14 — only numbers of that form count, so an
 * 18-digit counter or a gateway's message id (Aliyun's BizId is 18 digits) is no hit)
 * and mainland mobile numbers (1[3-9] and nine digits), each standing alone (not inside a
 * longer number, a hash or an id). Masked forms (139****5678) are not hits.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function isIdNumber(s: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(s) || !isBirthDate(s.slice(6, 14))) return false;
  const sum = WEIGHTS.reduce((n, w, i) => n + w * Number(s[i]), 0);
  return CHECK[sum % 11] === s[17]!.toUpperCase();
}

/** YYYYMMDD of a living person's birth: 1900–2099 and a day the month has. */
function isBirthDate(d: string): boolean {
  const [y, m, day] = [Number(d.slice(0, 4)), Number(d.slice(4, 6)), Number(d.slice(6, 8))];
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const ID = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
const MOBILE = /(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])/g;

export interface PiiHit { line: number; kind: 'id_number' | 'mobile'; text: string }

export function scanForPersonalData(lines: readonly string[]): PiiHit[] {
  const hits: PiiHit[] = [];
  lines.forEach((line, i) => {
    for (const m of line.matchAll(ID)) if (isIdNumber(m[0])) hits.push({ line: i + 1, kind: 'id_number', text: m[0] });
    for (const m of line.matchAll(MOBILE)) hits.push({ line: i + 1, kind: 'mobile', text: m[0] });
  });
  return hits;
}
