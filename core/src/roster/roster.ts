/**
 * Seat rosters (排班): who is on shift now and who is due next, in the city's time zone.
 *
 * A shift is a window [starts, ends) of local time on a weekday; one whose end is at or before
 * its start runs past midnight (Mon 22:00–06:00 ends Tuesday 06:00). A tenant with no shift at
 * all has no roster: the queue offers calls to every signed-in seat, as before rosters existed,
 * so a city that does not plan shifts in kuaichu is not stopped by an empty table. Once a tenant
 * has a shift, a seat without one on now is offered no call, signed in or not.
 *
 * China keeps no daylight saving, so "minutes from now" is a plain sum (the time zone comes from
 * the profile; every city shipped is UTC+8, Urumqi's bureau too).
 */
import type { Weekday } from '../generated/types.ts';
import { parseClockTime, toLocal } from '../policy/localTime.ts';
import { WEEKDAYS } from '../policy/serviceHours.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import { rostersRepo, type ShiftRow } from '../persistence/rosters.ts';

export interface Shift {
  weekday: Weekday;
  /** HH:MM local. */
  starts: string;
  /** HH:MM local, 24:00 allowed; at or before starts = the next day. */
  ends: string;
}

const DAY = 24 * 60;

function span(s: Shift): { day: number; from: number; to: number } {
  const from = parseClockTime(s.starts);
  let to = parseClockTime(s.ends);
  if (to <= from) to += DAY;
  return { day: WEEKDAYS.indexOf(s.weekday), from, to };
}

/** Minutes since Monday 00:00 local of `at`. */
function weekMinute(at: Date, timeZone: string): number {
  const t = toLocal(at, timeZone);
  return WEEKDAYS.indexOf(t.weekday) * DAY + t.minute;
}

/** Whether one of the shifts covers `at`. */
export function isOnShift(shifts: readonly Shift[], at: Date, timeZone: string): boolean {
  const m = weekMinute(at, timeZone);
  const week = 7 * DAY;
  return shifts.some((s) => {
    const { day, from, to } = span(s);
    const start = day * DAY + from;
    const end = day * DAY + to;
    // Sunday's overnight shift reaches into Monday: try the week before as well.
    return (m >= start && m < end) || (m + week >= start && m + week < end);
  });
}

/** When the next of the shifts starts after `at` (within a week), or null when there are none. */
export function nextShiftStart(shifts: readonly Shift[], at: Date, timeZone: string): Date | null {
  if (!shifts.length) return null;
  const m = weekMinute(at, timeZone);
  const week = 7 * DAY;
  let best = Infinity;
  for (const s of shifts) {
    const { day, from } = span(s);
    let delta = (day * DAY + from - m) % week;
    if (delta <= 0) delta += week;
    best = Math.min(best, delta);
  }
  const minuteStart = at.getTime() - (at.getTime() % 60_000);
  return new Date(minuteStart + best * 60_000);
}

/** The shift problems of a seat's roster: an unknown weekday, a bad time, a zero-length or overlapping shift. */
export function rosterProblems(shifts: readonly Shift[]): string[] {
  const problems: string[] = [];
  const spans: Array<{ start: number; end: number; i: number }> = [];
  shifts.forEach((s, i) => {
    if (!WEEKDAYS.includes(s.weekday)) return void problems.push(`shift ${i + 1}: no weekday ${String(s.weekday)}`);
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(s.starts)) return void problems.push(`shift ${i + 1}: starts ${s.starts} is not HH:MM`);
    if (!/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/.test(s.ends)) return void problems.push(`shift ${i + 1}: ends ${s.ends} is not HH:MM`);
    if (s.starts === s.ends) return void problems.push(`shift ${i + 1}: starts and ends at ${s.starts} (a 24-hour shift is 00:00–24:00)`);
    const { day, from, to } = span(s);
    spans.push({ start: day * DAY + from, end: day * DAY + to, i });
  });
  const week = 7 * DAY;
  for (let a = 0; a < spans.length; a++) {
    for (let b = a + 1; b < spans.length; b++) {
      const x = spans[a]!, y = spans[b]!;
      const overlap = (p: number, q: number) => x.start + p < y.end + q && y.start + q < x.end + p;
      if (overlap(0, 0) || overlap(week, 0) || overlap(0, week)) problems.push(`shift ${y.i + 1} overlaps shift ${x.i + 1}`);
    }
  }
  return problems;
}

/**
 * The seats the queue may offer calls to now: null when the tenant has no roster (every seat, as
 * before rosters), else the staff ids with a shift on at `at`.
 */
export async function seatsOnShift(q: TenantQueryable, timeZone: string, at: Date): Promise<string[] | null> {
  const rows = await rostersRepo.all(q);
  if (!rows.length) return null;
  return [...groupBySeat(rows)].filter(([, shifts]) => isOnShift(shifts, at, timeZone)).map(([id]) => id);
}

/** Each seat's shifts. */
export function groupBySeat(rows: readonly ShiftRow[]): Map<string, Shift[]> {
  const by = new Map<string, Shift[]>();
  for (const r of rows) {
    const list = by.get(r.staff_id) ?? [];
    list.push({ weekday: r.weekday, starts: r.starts, ends: r.ends });
    by.set(r.staff_id, list);
  }
  return by;
}
