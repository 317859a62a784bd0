/**
 * The plate grammar (GA 36): a province abbreviation, the issuing authority's letter, then five
 * characters (blue/yellow 7-character plates) or six (green 8-character new-energy plates:
 * D/F first for small cars, last for large ones). Letters I and O are never issued, so an OCR
 * "O" or "I" after the authority letter is a 0 or a 1.
 */
export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
export const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const P = `[${PROVINCES}]`;
const L = '[A-HJ-NP-Z]';
const LD = '[A-HJ-NP-Z0-9]';
const BLUE = new RegExp(`^${P}${L}${LD}{4}[A-HJ-NP-Z0-9挂学]$`);
const GREEN = new RegExp(`^${P}${L}(?:[DF]${LD}\\d{4}|\\d{5}[DF])$`);
/** Separators seen between the authority letter and the serial: middle dot, bullets, spaces. */
const SEPARATORS = /[\s·•・.．\-_:：'"`,，。]/g;

export type PlateKind = 'blue' | 'green';

/** Which plate a normalised string is, or null when it breaks the grammar. */
export function plateKind(plate: string): PlateKind | null {
  if (GREEN.test(plate)) return 'green';
  if (BLUE.test(plate)) return 'blue';
  return null;
}

/** "黑a·I2345" → "黑A12345": separators dropped, upper case, I/O after the letter read as 1/0. */
export function normalisePlate(text: string): string {
  const s = text.replace(SEPARATORS, '').toUpperCase();
  const chars = [...s];
  for (let i = 2; i < chars.length; i++) {
    if (chars[i] === 'O') chars[i] = '0';
    else if (chars[i] === 'I') chars[i] = '1';
  }
  return chars.join('');
}

/** "黑A12345" → "黑A·12345", the way a plate is printed. */
export function displayPlate(plate: string): string {
  const chars = [...plate];
  return chars.length >= 3 ? `${chars.slice(0, 2).join('')}·${chars.slice(2).join('')}` : plate;
}

const SEARCH = new RegExp(`${P}${L}[A-HJ-NP-Z0-9IO]{5,6}[挂学]?`, 'g');

/**
 * Every grammatical plate inside a text (a line can carry a label, "号牌号码 云AD12345").
 * An 8-character green reading wins over the 7-character blue prefix it contains.
 */
export function platesIn(text: string): Array<{ plate: string; kind: PlateKind }> {
  const clean = normalisePlate(text.replace(SEPARATORS, ''));
  const out: Array<{ plate: string; kind: PlateKind }> = [];
  for (const m of clean.matchAll(SEARCH)) {
    const s = m[0];
    const tries = [...s].length >= 8 ? [s, [...s].slice(0, 7).join('')] : [s];
    for (const t of tries) {
      const kind = plateKind(t);
      if (kind) { out.push({ plate: t, kind }); break; }
    }
  }
  return out;
}
