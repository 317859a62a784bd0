/**
 * The officer desk's shared state: the cases waiting for an officer (a determination after the
 * parties left the scene, or a review decision), the city's public facts (time zone, insurers),
 * a one-second clock for the ages, and the live channel that says when to reload. No polling:
 * the list is fetched on open, on every case event of the tenant and on reconnect.
 */
import type { CityPublic, LiveMessage, OfficerCase } from '@kuaichu/core/generated/types.ts';
import { get } from '../lib/api.ts';
import { openLive, type LiveChannel } from '../lib/live.ts';
import { session } from '../lib/session.svelte.ts';
import { local } from '../i18n/index.svelte.ts';
import { insurerIds as sharedInsurerIds, insurerName as sharedInsurerName } from '../lib/insurers.ts';

export const desk = $state({
  cases: [] as OfficerCase[],
  /** Wall time (ms) when `cases` was fetched: ages tick from there. */
  fetchedAt: 0,
  loaded: false,
  error: null as string | null,
  online: true,
  now: Date.now(),
  city: null as CityPublic | null,
  /** Bumped on every case event: open case views reload when their case is named. */
  lastEvent: null as { caseId: string; at: number } | null,
});

/** Seconds a case has waited, ticking from the server's answer. */
export function ageOf(c: OfficerCase): number {
  return c.ageSeconds + Math.max(0, (desk.now - desk.fetchedAt) / 1000);
}

export async function loadQueue(): Promise<void> {
  try {
    const cases = await get<OfficerCase[]>('/api/officer/cases');
    desk.cases = cases;
    desk.fetchedAt = Date.now();
    desk.now = desk.fetchedAt;
    desk.error = null;
  } catch (err) {
    desk.error = (err as Error).message;
  } finally {
    desk.loaded = true;
  }
}

async function loadCity(): Promise<void> {
  const tenant = session.me?.tenant;
  if (!tenant || desk.city?.tenant === tenant) return;
  try {
    desk.city = await get<CityPublic>(`/api/cities/${encodeURIComponent(tenant)}`);
  } catch {
    // The desk works without it (times then show in the browser's zone); the next open retries.
  }
}

/** The states in which a case waits for an officer (GET /api/officer/cases). */
const WAITING: readonly string[] = ['evacuated', 'review_requested'];

let users = 0;
let live: LiveChannel | null = null;
let ticker: ReturnType<typeof setInterval> | undefined;
let reload: ReturnType<typeof setTimeout> | undefined;

function scheduleReload(): void {
  clearTimeout(reload);
  // A determination emits several events at once (determined, served): one reload for the burst.
  reload = setTimeout(() => void loadQueue(), 120);
}

/** Starts the desk (list, city, clock, live channel); returns the stop function. Shared by every component that calls it. */
export function useDesk(): () => void {
  if (users++ === 0) {
    void loadQueue();
    void loadCity();
    ticker = setInterval(() => (desk.now = Date.now()), 1000);
    live = openLive((connected) => {
      desk.online = connected;
      if (connected) scheduleReload();
    });
    live.on((raw) => {
      const m = raw as unknown as LiveMessage;
      if (m.kind !== 'event') return;
      desk.lastEvent = { caseId: m.caseId, at: Date.now() };
      // The list changes only when a case enters a waiting state or leaves the list: a seat's evidence does not reload it.
      if (WAITING.includes(m.state) || desk.cases.some((c) => c.id === m.caseId)) scheduleReload();
    });
  }
  return () => {
    if (--users > 0) return;
    clearInterval(ticker);
    clearTimeout(reload);
    live?.close();
    live = null;
  };
}

/** Insurers the officer may pick: the city profile's list (every profile names its insurers). */
export function insurerIds(): string[] {
  return sharedInsurerIds(desk.city);
}

/** The insurer's one name, as the city profile gives it (the same on the seat's console and in the party's app). */
export function insurerName(id: string): string {
  return sharedInsurerName(desk.city, id, local);
}
