/**
 * Wall-clock time in a city's time zone. Rules and display use local time; storage uses UTC.
 * One Intl formatter per zone is built once and reused: building them is the slow part.
 */
import type { Weekday } from '../generated/types.ts';

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws RangeError for a zone the runtime does not know. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

export function toLocal(at: Date, timeZone: string): LocalTime {
  let year = 0, month = 0, day = 0, hour = 0, minute = 0;
  let weekday: Weekday = 'mon';
  for (const p of formatter(timeZone).formatToParts(at)) {
    switch (p.type) {
      case 'year': year = Number(p.value); break;
      case 'month': month = Number(p.value); break;
      case 'day': day = Number(p.value); break;
      case 'hour': hour = Number(p.value); break;
      case 'minute': minute = Number(p.value); break;
      case 'weekday': weekday = p.value.slice(0, 3).toLowerCase() as Weekday; break;
      default: break;
    }
  }
  return { year, month, day, weekday, minute: hour * 60 + minute };
}

export function formatLocal(t: LocalTime): string {
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${formatMinute(t.minute)} ${t.weekday}`;
}

export function formatMinute(m: number): string {
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

export function parseClockTime(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * The UTC instant of local midnight starting the given local date, offset by `days`.
 * Found by correcting a first guess with the zone's offset at that instant, which is exact
 * for zones without a DST change at midnight (and Asia/Shanghai has none).
 */
export function localMidnightUtc(t: Pick<LocalTime, 'year' | 'month' | 'day'>, timeZone: string, days = 0): Date {
  const guess = Date.UTC(t.year, t.month - 1, t.day + days);
  const local = toLocal(new Date(guess), timeZone);
  const localAsUtc = Date.UTC(local.year, local.month - 1, local.day) + local.minute * 60_000;
  return new Date(guess - (localAsUtc - guess));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
