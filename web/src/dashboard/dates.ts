/**
 * The dashboard's dates: plain YYYY-MM-DD days in the city's time zone, as the API reads them.
 * "Today" is the server's (its clock can differ from the browser's: a demo, a test, a wrong PC
 * clock); the period is checked here so a bad one gets a Chinese reason, not a 400.
 */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** YYYY-MM-DD of an instant in a time zone. */
export function isoDay(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** A typed date as YYYY-MM-DD: also accepts 2026/11/23, 2026.11.23 and 2026年11月23日; null when it is not a calendar day. */
export function parseDay(text: string): string | null {
  const m = /^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(y, mo - 1, d));
  if (at.getUTCFullYear() !== y || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The day `n` days after `day` (YYYY-MM-DD, calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const m = DAY.exec(day);
  if (!m) throw new RangeError(`not a day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n)).toISOString().slice(0, 10);
}

export type PeriodProblem =
  | { key: 'dash.date.invalid'; field: 'from' | 'to' }
  | { key: 'dash.date.order' }
  | { key: 'dash.date.future'; field: 'from' | 'to'; today: string };

/** Why a typed period cannot be asked for (null: it can), with the days normalised. */
export function checkPeriod(fromText: string, toText: string, today: string): { from: string; to: string } | PeriodProblem {
  const from = parseDay(fromText);
  if (!from) return { key: 'dash.date.invalid', field: 'from' };
  const to = parseDay(toText);
  if (!to) return { key: 'dash.date.invalid', field: 'to' };
  if (from > today) return { key: 'dash.date.future', field: 'from', today };
  if (to > today) return { key: 'dash.date.future', field: 'to', today };
  if (from > to) return { key: 'dash.date.order' };
  return { from, to };
}

/** The default period: the 30 days up to the server's today. */
export function lastDays(today: string, n = 30): { from: string; to: string } {
  return { from: addDays(today, -(n - 1)), to: today };
}
