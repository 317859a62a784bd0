/** The determination's sentences and values as printed: dates, numerals, the finding, the place. */
import { toLocal } from '../policy/localTime.ts';
import { DEFAULT_REVIEW_NOTICE, LIABILITY_PHRASES, type DeterminationDocument, type DeterminationParty, type MediationTerms } from './determinationDocument.ts';

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

/** 调解结果: who pays whom how much (yuan, with the amount in Chinese capitals), and the further terms. */
export function mediationFinding(parties: readonly DeterminationParty[], m: MediationTerms): string {
  const name = (role: string) => `${role}${parties.find((p) => p.role === role)?.name ?? ''}`;
  const yuan = (m.amountFen / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const terms = m.terms.trim();
  return `经${m.mediator}主持调解，双方当事人自愿达成如下协议：${name(m.payer)}一次性赔偿${name(m.payee)}人民币${yuan}元（大写：${capitalYuan(m.amountFen)}）。${terms ? `${terms}${/[。.！!]$/.test(terms) ? '' : '。'}` : ''}本协议经双方当事人电子签名后生效，双方就本次事故的损害赔偿再无其他争议。`;
}

/** An amount in fen in Chinese financial capitals: 320000 → 叁仟贰佰元整, 12345 → 壹佰贰拾叁元肆角伍分. */
export function capitalYuan(fen: number): string {
  const digits = '零壹贰叁肆伍陆柒捌玖';
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const cents = fen % 10;
  const group = (n: number): string => {
    const units = ['', '拾', '佰', '仟'];
    let out = '';
    let zero = false;
    for (let i = 3; i >= 0; i--) {
      const d = Math.floor(n / 10 ** i) % 10;
      if (d === 0) { if (out) zero = true; continue; }
      if (zero) { out += '零'; zero = false; }
      out += digits[d]! + units[i]!;
    }
    return out;
  };
  let text = '';
  const big = ['', '万', '亿'];
  let rest = yuan;
  const parts: string[] = [];
  for (let i = 0; rest > 0; i++) {
    const g = rest % 10000;
    parts.unshift(g ? group(g) + big[i]! : '');
    rest = Math.floor(rest / 10000);
    if (rest > 0 && g > 0 && g < 1000) parts[0] = '零' + parts[0];
  }
  text = parts.join('').replace(/零+/g, '零').replace(/零$/, '');
  if (!text) text = yuan === 0 && (jiao || cents) ? '' : '零';
  if (text) text += '元';
  if (!jiao && !cents) return `${text}整`;
  return `${text}${jiao ? digits[jiao] + '角' : text ? '零' : ''}${cents ? digits[cents] + '分' : ''}`;
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
