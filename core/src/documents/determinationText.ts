/** The determination's sentences and values as printed: dates, numerals, the finding, the place. */
import { toLocal } from '../policy/localTime.ts';
import { DEFAULT_REVIEW_NOTICE, LIABILITY_PHRASES, type DeterminationDocument, type DeterminationParty } from './determinationDocument.ts';

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

export function reviewNotice(doc: DeterminationDocument): string {
  return (doc.reviewNotice ?? DEFAULT_REVIEW_NOTICE).replaceAll('{days}', chineseNumeral(doc.reviewWindowDays));
}

export function liabilityFinding(parties: readonly DeterminationParty[]): string {
  return `根据上述事实，认定：${parties.map((p) => `${p.role}${p.name}${LIABILITY_PHRASES[p.liability]}`).join('；')}。`;
}

/** What the parties of an agreement agreed (自行协商协议书): each party's liability in their own words. */
export function agreementFinding(parties: readonly DeterminationParty[]): string {
  return `经双方当事人自行协商，一致同意：${parties.map((p) => `${p.role}${p.name}${LIABILITY_PHRASES[p.liability]}`).join('；')}。双方自愿按此协议通过保险理赔或自行赔偿。`;
}

export function fullAddress(doc: DeterminationDocument): string {
  const { address, district } = doc.accident;
  const prefix = (address.startsWith(doc.city) ? '' : doc.city) + (district && address.includes(district) ? '' : district);
  return prefix + address;
}

export function coordinates(lng: number, lat: number): string {
  const ew = lng >= 0 ? '东经' : '西经';
  const ns = lat >= 0 ? '北纬' : '南纬';
  return `${ew}${Math.abs(lng).toFixed(6)}°，${ns}${Math.abs(lat).toFixed(6)}°`;
}

/** Empty optional fields print as a dash, so a blank cell is visibly "not recorded". */
export function orDash(s: string): string {
  return s.trim() === '' ? '—' : s;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
