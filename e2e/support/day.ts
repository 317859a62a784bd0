/**
 * The day the end-to-end suite plays on, and every date the specs write or expect, derived from
 * it. `KUAICHU_E2E_DAY=2030-11-25 npm test -- e2e` moves the whole suite (server clock, reports,
 * determinations, the simulated day before) to another day, so it can be shown not to depend on
 * the date it was written on (issue 10). The default is a Monday, 2026-11-23; other Mondays keep
 * the same week shape. All cities of the suite are on Beijing time (+08:00, no DST).
 */

const raw = process.env.KUAICHU_E2E_DAY?.trim() || '2026-11-23';

function parseDay(s: string): string {
  const d = new Date(`${s}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s) {
    throw new Error(`KUAICHU_E2E_DAY must be a date YYYY-MM-DD (e.g. 2030-11-25), not "${s}"`);
  }
  return s;
}

/** The suite's day, YYYY-MM-DD (local, Beijing). */
export const DAY = parseDay(raw);
/** Its year, e.g. for determination numbers `HRB-${YEAR}-000001`. */
export const YEAR = DAY.slice(0, 4);

const [y, m, d] = DAY.split('-').map(Number) as [number, number, number];

/** The day before, YYYY-MM-DD (the dashboard spec simulates it). */
export const PREVIOUS_DAY = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);

const hhmm = (time: string): string => {
  if (!/^\d{2}:\d{2}(:\d{2})?$/.test(time)) throw new Error(`a time HH:MM[:SS], not "${time}"`);
  return time.length === 5 ? `${time}:00` : time;
};

/** `at('10:00')` → `2026-11-23T10:00:00+08:00`: a time of the suite's day, Beijing time. */
export function at(time: string, day: string = DAY): string {
  return `${day}T${hhmm(time)}+08:00`;
}

/** The same instant as the server answers it (UTC ISO): `utc('10:00')` → `2026-11-23T02:00:00.000Z`. */
export function utc(time: string, day: string = DAY): string {
  return new Date(at(time, day)).toISOString();
}

/** As a person types it on the console: `typed('09:55')` → `2026-11-23 09:55`. */
export function typed(time: string): string {
  return `${DAY} ${time}`;
}

/** As the verify page shows it: `slashed('10:00')` → `2026/11/23 10:00`. */
export function slashed(time: string): string {
  return `${DAY.replaceAll('-', '/')} ${time}`;
}

/** In Chinese prose: `chinese(9, 55)` → `2026年11月23日9时55分`. */
export function chinese(hour: number, minute: number): string {
  return `${y}年${m}月${d}日${hour}时${minute}分`;
}
