/** How the desk words ages and a few codes. */
import { t } from '../i18n/index.svelte.ts';
import { formatDuration, formatTime } from '../lib/format.ts';

/** A waiting time: 4:05, 1:04:05, then 2天3小时 once it passes a day. */
export function ageText(seconds: number): string {
  if (seconds < 86_400) return formatDuration(seconds);
  return t('officer.age.days', { d: Math.floor(seconds / 86_400), h: Math.floor((seconds % 86_400) / 3600) });
}

/** Amber after an hour, red after a day: what an officer should pick up first stands out. */
export function ageLevel(seconds: number): 'ok' | 'warn' | 'bad' {
  return seconds >= 86_400 ? 'bad' : seconds >= 3600 ? 'warn' : 'ok';
}

export function shortHash(hash: string): string {
  return `${hash.slice(0, 8)}…${hash.slice(-8)}`;
}

/**
 * A deadline that falls at local midnight reads as the end of the day before: a review window
 * closing at 00:00 on the 27th shows as "2026/11/26 24:00", which is how the law counts it.
 */
export function deadlineText(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const at = new Date(iso);
  const hm = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
  if (hm !== '00:00' && hm !== '24:00') return formatTime(iso, timeZone);
  const dayBefore = new Date(at.getTime() - 60_000).toISOString();
  return `${formatTime(dayBefore, timeZone).replace(/\s*\d{2}:\d{2}$/, '')} 24:00`;
}

/** Who recorded an item: seat:<id> → 坐席 2b5a3c7f, system → 系统 … (the full id stays in the title). */
export function actorText(createdBy: string): string {
  const [kind, id] = createdBy.split(':', 2);
  const known = ['seat', 'officer', 'party', 'system'];
  if (!kind || !known.includes(kind)) return createdBy;
  return id ? t(`officer.by.${kind}`, { id: id.slice(0, 8) }) : t(`officer.by.${kind}`, { id: '' }).trim();
}
