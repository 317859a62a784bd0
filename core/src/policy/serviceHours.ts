/**
 * Service hours (适用时间): half-open windows [from, to) of local time per weekday.
 * Harbin serves 07:00–19:00 every day; a city without stated hours serves around the clock.
 */
import type { LocalText, ServiceWindow, Weekday } from '../generated/types.ts';
import { parseClockTime, type LocalTime } from './localTime.ts';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

interface Span {
  from: number;
  to: number;
  /** Index of the window in the profile, for error messages. */
  window: number;
}

export interface HoursProblem {
  window: number;
  field: 'from' | 'to' | 'days';
  message: string;
  hint?: string;
}

export class ServiceHours {
  /** null = always open. */
  readonly #byDay: ReadonlyMap<Weekday, readonly Span[]> | null;
  readonly #text: LocalText;

  private constructor(byDay: Map<Weekday, Span[]> | null, text: LocalText) {
    this.#byDay = byDay;
    this.#text = text;
  }

  static always(): ServiceHours {
    return new ServiceHours(null, { zh: '全天 24 小时', en: '24 h' });
  }

  /** Compiles the windows, or returns every inverted or overlapping window. */
  static compile(windows: readonly ServiceWindow[] | undefined): ServiceHours | HoursProblem[] {
    if (!windows || windows.length === 0) return ServiceHours.always();
    const problems: HoursProblem[] = [];
    const byDay = new Map<Weekday, Span[]>(WEEKDAYS.map((d) => [d, []]));
    windows.forEach((w, i) => {
      const from = parseClockTime(w.from);
      const to = parseClockTime(w.to);
      if (from === 24 * 60) problems.push({ window: i, field: 'from', message: 'a window cannot start at 24:00' });
      if (to <= from) {
        problems.push({
          window: i,
          field: 'to',
          message: `window ends (${w.to}) at or before it starts (${w.from})`,
          hint: 'windows are [from, to) within one day; split an overnight window into two, e.g. 22:00–24:00 and 00:00–06:00',
        });
        return;
      }
      for (const day of w.days ?? WEEKDAYS) {
        const spans = byDay.get(day)!;
        const clash = spans.find((s) => from < s.to && s.from < to);
        if (clash) {
          problems.push({ window: i, field: 'from', message: `overlaps window ${clash.window} on ${day}` });
          continue;
        }
        spans.push({ from, to, window: i });
      }
    });
    if (problems.length) return problems;
    for (const spans of byDay.values()) spans.sort((a, b) => a.from - b.from);
    return new ServiceHours(byDay, describe(windows));
  }

  isOpen(t: LocalTime): boolean {
    if (!this.#byDay) return true;
    const spans = this.#byDay.get(t.weekday)!;
    for (const s of spans) if (t.minute >= s.from && t.minute < s.to) return true;
    return false;
  }

  get alwaysOpen(): boolean {
    return this.#byDay === null;
  }

  /** "每日 07:00–19:00" / "07:00–19:00 daily", for messages. */
  get text(): LocalText {
    return this.#text;
  }

  toString(): string {
    return this.#text.en;
  }
}

const DAY_ZH: Record<Weekday, string> = { mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六', sun: '周日' };

function describe(windows: readonly ServiceWindow[]): LocalText {
  const daily = (w: ServiceWindow) => !w.days || w.days.length === 7;
  return {
    zh: windows.map((w) => `${daily(w) ? '每日' : w.days!.map((d) => DAY_ZH[d]).join('、')} ${w.from}–${w.to}`).join('；'),
    en: windows.map((w) => `${w.from}–${w.to} ${daily(w) ? 'daily' : w.days!.join(',')}`).join('; '),
  };
}

