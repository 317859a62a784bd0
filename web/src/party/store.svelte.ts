/**
 * The party app's shared state: the city it serves, who is signed in, whether the safety screen
 * was passed, and the report being written (kept in sessionStorage so a reload, a wrong answer
 * or a lost network never loses what the party typed).
 */
import { ApiError, get } from '../lib/api.ts';
import { errorText } from '../lib/errorText.ts';
import { session, loadMe } from '../lib/session.svelte.ts';
import { navigate } from '../lib/router.svelte.ts';
import { emptyDraft, type CityInfo, type Draft } from './model.ts';

export const party = $state<{
  tenant: string;
  city: CityInfo | null;
  /** The city does not exist (404 page). */
  missing: boolean;
  error: string;
  safetyDone: boolean;
  draft: Draft;
}>({ tenant: '', city: null, missing: false, error: '', safetyDone: false, draft: emptyDraft() });

const key = (what: string) => `kc_party_${party.tenant}_${what}`;

export async function openCity(tenant: string): Promise<void> {
  if (party.tenant === tenant && party.city) return;
  party.tenant = tenant;
  party.city = null;
  party.missing = false;
  party.error = '';
  party.safetyDone = sessionStorage.getItem(key('safety')) === '1';
  party.draft = readDraft();
  try {
    const [city] = await Promise.all([get<CityInfo>(`/api/cities/${encodeURIComponent(tenant)}`), session.loaded ? null : loadMe()]);
    party.city = city;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) party.missing = true;
    else party.error = errorText(err);
  }
}

/** Fresh city data (for `now`, the server's clock, when a screen needs it). */
export async function refreshCity(): Promise<CityInfo | null> {
  try {
    party.city = await get<CityInfo>(`/api/cities/${encodeURIComponent(party.tenant)}`);
  } catch {
    /* keep what we have */
  }
  return party.city;
}

/** The signed-in party of this city, or null (a staff session or another city's does not count). */
export function partyPhone(): string | null {
  const me = session.me;
  return me?.party && !me.staff && me.tenant === party.tenant ? me.party.phone : null;
}

/**
 * The channel this report comes through: the one whose link signed the party in (a channel
 * token), else this app itself in a browser (`web`) — never the city's default, which would
 * label a browser report as, say, the 12123 App.
 */
export function partyChannel(): string {
  const me = session.me;
  return (me?.party && me.tenant === party.tenant ? me.party.channel : null) ?? 'web';
}

export function passSafety(): void {
  party.safetyDone = true;
  sessionStorage.setItem(key('safety'), '1');
}

export function saveDraft(): void {
  sessionStorage.setItem(key('draft'), JSON.stringify(party.draft));
}

/** After a report was accepted: the next report starts clean, with a new client key. */
export function resetDraft(): void {
  party.draft = emptyDraft();
  sessionStorage.removeItem(key('draft'));
}

function readDraft(): Draft {
  try {
    const raw = sessionStorage.getItem(key('draft'));
    if (raw) return { ...emptyDraft(), ...(JSON.parse(raw) as Partial<Draft>) };
  } catch {
    /* a broken draft is dropped */
  }
  return emptyDraft();
}

/** After an API error: a 401 means the session ended (expired, signed out elsewhere): forget it, so screens offer sign-in. */
export async function signedOutIf(err: unknown): Promise<boolean> {
  if (!(err instanceof ApiError) || err.status !== 401) return false;
  await loadMe().catch(() => {});
  return true;
}

/** Addresses inside the party app. */
export function href(path = ''): string {
  return `/m/${encodeURIComponent(party.tenant)}${path ? `/${path}` : ''}`;
}

export function go(path = '', opts: { replace?: boolean } = {}): void {
  navigate(href(path), opts);
}
