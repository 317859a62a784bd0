/**
 * Maskers for personal data shown to third parties (the public verification page, a document
 * handed to the other party, logs). Each keeps just enough to recognise one's own data and
 * hides the rest with '*'. All work on Unicode code points, never UTF-16 halves, and never throw:
 * an empty or odd input gives a masked (possibly empty) string, so they are safe in log paths.
 */

const MASK = '*';

/** Separators kept as they are inside names: the interpunct of minority names and spaces. */
const NAME_SEPARATOR = /^[\s·•・.\-]$/u;

/**
 * Keep the first character (the surname for Chinese names), mask every other letter.
 * `maskName('张三丰') → '张**'`, `maskName('买买提·艾力') → '买**·**'`.
 */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  if (chars.length === 1) return MASK;
  return chars[0] + chars.slice(1).map((c) => (NAME_SEPARATOR.test(c) ? c : MASK)).join('');
}

/** Spaces, dots and dashes people put inside plate numbers ("黑A·12345", "黑A 12345"). */
const PLATE_SEPARATOR = /[\s·•・.\-]/gu;
/** Mainland plate: province abbreviation + issuing-office letter, then the serial. */
const MAINLAND_PLATE = /^(\p{Script=Han}[A-Z])(.+)$/u;

/**
 * Keep the province and office letter and the first and last character of the serial.
 * `maskPlate('黑A12345') → '黑A1***5'`, new-energy `maskPlate('黑AD12345') → '黑AD****5'`.
 * Separators are dropped and letters upper-cased first. Anything not shaped like a mainland
 * plate keeps only its first and last character.
 */
export function maskPlate(plate: string): string {
  const p = plate.replace(PLATE_SEPARATOR, '').toUpperCase();
  const m = MAINLAND_PLATE.exec(p);
  if (m) return m[1] + keepEnds(m[2]!, 1, 1);
  return keepEnds(p, 1, 1);
}

/**
 * Mobile numbers keep the first 3 and last 4 digits (`13812345678 → 138****5678`), the
 * usual Chinese display; a +86/0086 prefix is kept as "+86 ". Other numbers (landlines with
 * area code) keep the first 3 and last 4 digits when long enough, else only the last 2.
 * Non-digits are dropped.
 */
export function maskPhone(phone: string): string {
  const trimmed = phone.trim();
  let digits = trimmed.replace(/\D/g, '');
  let prefix = '';
  const international = /^(\+|00)86/.test(trimmed.replace(/\s/g, ''));
  if (international) {
    digits = digits.replace(/^(00)?86/, '');
    prefix = '+86 ';
  }
  if (digits.length === 0) return '';
  if (digits.length >= 8) return prefix + keepEnds(digits, 3, 4);
  return prefix + keepEnds(digits, 0, Math.min(2, digits.length - 1));
}

/**
 * Resident identity numbers (18 characters, or the old 15 digits) keep the first 4 (province
 * and city) and the last 4, so the date of birth is hidden:
 * `230102199001011234 → 2301**********1234`. Other document numbers (passports, permits)
 * keep the first 2 and last 2. The check letter is upper-cased.
 */
export function maskIdNumber(id: string): string {
  const s = id.replace(/\s/g, '').toUpperCase();
  if (s.length >= 15) return keepEnds(s, 4, 4);
  if (s.length >= 6) return keepEnds(s, 2, 2);
  return keepEnds(s, 0, 0);
}

const ID_NUMBER_IN_TEXT = /(?<!\d)\d{17}[\dXx](?!\d)/g;
const MOBILE_IN_TEXT = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

/** Free text (a log message, a URL, an error's message): every mobile and ID number in it masked. */
export function maskPersonalText(text: string): string {
  return text.replace(ID_NUMBER_IN_TEXT, (m) => maskIdNumber(m)).replace(MOBILE_IN_TEXT, (m) => maskPhone(m));
}

/** First `head` and last `tail` characters kept, one '*' for each other character. */
function keepEnds(s: string, head: number, tail: number): string {
  const chars = Array.from(s);
  if (chars.length === 0) return '';
  // Never reveal the whole value: with too few characters, shrink what is kept.
  while (head + tail >= chars.length && (head > 0 || tail > 0)) {
    if (tail >= head && tail > 0) tail--;
    else head--;
  }
  return chars.slice(0, head).join('') + MASK.repeat(chars.length - head - tail) + chars.slice(chars.length - tail).join('');
}
