/**
 * What the verification page works out beside the answer of GET /api/verify/:code.
 *
 * The city behind a verified determination. The verification answer names the issuing bureau,
 * not the city, so the page finds the city served by that bureau (GET /api/cities) and its time
 * zone (GET /api/cities/:tenant). Either may fail or find nothing (a bureau renamed since the
 * document was issued): the page then shows the bureau alone and times in China Standard Time.
 */
import type { CityPublic, CitySummary, LocalText } from '@kuaichu/core/generated/types.ts';
import { get } from '../lib/api.ts';

/** What the page says first: 真实有效, 文书内容被改动, 未找到此认定书. */
export type VerdictKind = 'valid' | 'altered' | 'not_found';

/** Every city served is in mainland China today; the zone used when the city is not known. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export interface IssuingCity {
  name: LocalText;
  timeZone: string;
}

export async function issuingCity(bureau: LocalText): Promise<IssuingCity | null> {
  try {
    const found = (await get<CitySummary[]>('/api/cities')).find((c) => c.bureau.zh === bureau.zh);
    if (!found) return null;
    const city = await get<CityPublic>(`/api/cities/${encodeURIComponent(found.tenant)}`);
    return { name: city.city, timeZone: city.timezone || DEFAULT_TIME_ZONE };
  } catch {
    return null;
  }
}

/**
 * A code as printed on the document, `ABCD-EFGH-IJKL-MNOP`, read the way the server reads it
 * (any case, separators dropped, 0/1/8 for O/I/B); anything that cannot be a code as typed.
 */
export function printedCode(code: string): string {
  const plain = code.replace(/[\s\-_.]/g, '').toUpperCase().replace(/0/g, 'O').replace(/1/g, 'I').replace(/8/g, 'B');
  return /^[A-Z2-7]{16}$/.test(plain) ? (plain.match(/.{4}/g) ?? [plain]).join('-') : code;
}
