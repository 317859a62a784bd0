/**
 * The seat's desk: what the console shows outside any one call, kept in one store so every
 * panel reads the same thing. The live channel feeds it (queue snapshots, case events); the
 * seat's own actions (status, accept) go through here too. No polling: a snapshot arrives on
 * every change and on each (re)connect; waits tick locally from the snapshot's waitSeconds,
 * so the server's clock (which tests set by hand) and the browser's never have to agree.
 */
import type { CaseSummary, CityPublic, LiveEvent, SeatQueue, SeatStatusResult } from '@kuaichu/core/generated/types.ts';
import { ApiError, get, post } from '../lib/api.ts';
import { openLive, type LiveChannel } from '../lib/live.ts';
import { navigate } from '../lib/router.svelte.ts';
import { session } from '../lib/session.svelte.ts';
import { t } from '../i18n/index.svelte.ts';
import { errorText } from '../lib/errorText.ts';

export type LiveState = 'connecting' | 'online' | 'offline';

export const desk = $state({
  queue: null as SeatQueue | null,
  /** performance.now() when the snapshot arrived: waits tick from here. */
  receivedAt: 0,
  live: 'connecting' as LiveState,
  /** The case on the call at this seat (the call view is open while set). */
  callId: null as string | null,
  /** A call that dropped from this seat, waiting for the party's 继续处理. */
  dropped: null as { caseId: string; number: string; resumed: boolean } | null,
  /** The case whose call just ended here: the notice links to its page for after-call notes. */
  afterCall: null as string | null,
  /** A one-line notice (the call ended, the ring timed out …). */
  notice: null as string | null,
  /** ok: done as intended; warn: something needs the seat's attention. */
  noticeTone: 'ok' as 'ok' | 'warn',
  error: null as string | null,
  /** A status change is on its way. */
  busy: false,
  /** An answer is on its way. */
  accepting: false,
  city: null as CityPublic | null,
});

/** A second that ticks for every wait and timer on the console (display only). */
export const clock = $state({ now: performance.now() });

type EventListener = (e: LiveEvent) => void;
const eventListeners = new Set<EventListener>();
let live: LiveChannel | null = null;
let ticker: ReturnType<typeof setInterval> | undefined;
let users = 0;
/** Counts snapshots, so an answer that raced a newer snapshot does not overwrite it. */
let snapshots = 0;

/** Case events of the tenant (the call view listens for its own case). */
export function onCaseEvent(listener: EventListener): () => void {
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

export function waitNow(waitSeconds: number): number {
  return waitSeconds + Math.max(0, (clock.now - desk.receivedAt) / 1000);
}

/** The case ringing at this seat, if any. */
export function ringingCase() {
  const q = desk.queue;
  if (!q) return null;
  return q.waiting.find((c) => c.ringingHere) ?? (q.seat.status === 'ringing' ? q.waiting.find((c) => c.id === q.seat.caseId) : undefined) ?? null;
}

/** Opens the live channel (once, however many components ask) and loads the city. */
export function startDesk(): () => void {
  users += 1;
  if (users === 1) {
    live = openLive((connected) => {
      desk.live = connected ? 'online' : 'offline';
      if (connected) void refreshQueue();
      else void checkSession();
    });
    live.on((m) => {
      if (m.kind === 'queue') applyQueue((m as unknown as { queue: SeatQueue }).queue);
      else if (m.kind === 'event') handleEvent(m as unknown as LiveEvent);
    });
    ticker = setInterval(() => (clock.now = performance.now()), 1000);
    const tenant = session.me?.tenant;
    if (tenant) get<CityPublic>(`/api/cities/${encodeURIComponent(tenant)}`).then((c) => (desk.city = c), () => {});
  }
  return () => {
    users -= 1;
    if (users > 0) return;
    live?.close();
    live = null;
    clearInterval(ticker);
    desk.queue = null;
    desk.callId = null;
    desk.live = 'connecting';
  };
}

function applyQueue(q: SeatQueue): void {
  const before = desk.queue?.seat;
  snapshots += 1;
  desk.queue = q;
  desk.receivedAt = performance.now();
  clock.now = desk.receivedAt;
  // The ring ran out: the server set this seat away so it stops being offered calls.
  if (before?.status === 'ringing' && q.seat.status === 'away') notify(t('seat.notice.ringTimeout'), 'warn');
  // On a call here (after a reload, or a call answered in another tab): open it.
  if (q.seat.status === 'busy' && q.seat.caseId && !desk.callId) desk.callId = q.seat.caseId;
  if (desk.dropped && q.seat.status === 'ringing' && q.seat.caseId === desk.dropped.caseId) desk.dropped.resumed = true;
}

function handleEvent(e: LiveEvent): void {
  if (e.type === 'call.dropped' && e.caseId === desk.callId) {
    desk.dropped = { caseId: e.caseId, number: e.number, resumed: false };
    desk.callId = null;
  }
  if (desk.dropped?.caseId === e.caseId) {
    if (e.type === 'call.resumed') desk.dropped.resumed = true;
    if (e.type === 'case.answered') desk.dropped = null;
    if (e.type === 'case.abandoned' || e.type === 'case.escalated') {
      notify(t('seat.notice.droppedClosed', { number: e.number, state: t(`state.${e.state}`) }), 'warn');
      desk.dropped = null;
    }
  }
  for (const l of eventListeners) l(e);
}

export async function refreshQueue(): Promise<void> {
  try {
    applyQueue(await get<SeatQueue>('/api/seat/queue'));
  } catch (err) {
    report(err);
  }
}

/** Away ↔ available. */
export async function setStatus(status: 'available' | 'away'): Promise<void> {
  desk.busy = true;
  desk.error = null;
  const seen = snapshots;
  try {
    const r = await post<SeatStatusResult>('/api/seat/status', { status });
    // A snapshot that arrived meanwhile may be newer (going available can ring at once) or older
    // (one read before this change committed, e.g. the connect-time fetch). Neither this answer nor
    // that snapshot can tell, so ask again: the change has committed, the answer is current.
    if (snapshots !== seen) await refreshQueue();
    else if (desk.queue) desk.queue.seat.status = r.status;
    if (status === 'available') desk.notice = null;
  } catch (err) {
    report(err);
  } finally {
    desk.busy = false;
  }
}

/** 接警: answer the call ringing here; the call view opens. */
export async function accept(caseId: string): Promise<boolean> {
  if (desk.accepting) return false;
  desk.accepting = true;
  desk.error = null;
  try {
    const c = await post<CaseSummary>(`/api/cases/${encodeURIComponent(caseId)}/answer`);
    desk.callId = c.id;
    desk.notice = null;
    desk.afterCall = null;
    if (desk.dropped?.caseId === c.id) desk.dropped = null;
    if (desk.queue && desk.queue.seat.status !== 'busy') desk.queue.seat = { ...desk.queue.seat, status: 'busy', caseId: c.id };
    return true;
  } catch (err) {
    report(err);
    void refreshQueue();
    return false;
  } finally {
    desk.accepting = false;
  }
}

/** A one-line notice on the queue view (replaces the last one and its after-call link). */
function notify(text: string | null, tone: 'ok' | 'warn' = 'ok'): void {
  desk.notice = text;
  desk.afterCall = null;
  desk.noticeTone = tone;
}

/** The call ended at this seat (left the scene, escalated, closed): back to the queue. */
export function endCall(notice: string | null, tone: 'ok' | 'warn' = 'ok'): void {
  // The live event and the seat's own action may both end the same call, in either order.
  const ended = desk.callId ?? desk.afterCall;
  desk.callId = null;
  notify(notice, tone);
  if (notice) desk.afterCall = ended;
  void refreshQueue();
}

/** An error as one line the seat can act on; a lapsed session goes to the sign-in page. */
export function explain(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) {
      sessionExpired();
      return t('seat.err.session');
    }
    if (err.status === 0) return t('seat.err.offline');
    // The seat's own wording where it has one; otherwise the shared text of the code (never the server's English).
    const known = `seat.err.${err.code}`;
    const text = t(known);
    return text === known ? errorText(err) : text;
  }
  return errorText(err);
}

function report(err: unknown): void {
  desk.error = explain(err);
}

export function sessionExpired(): void {
  if (location.pathname.startsWith('/console/login')) return;
  const tenant = session.me?.tenant ?? desk.city?.tenant ?? '';
  session.me = null;
  navigate(`/console/login?tenant=${encodeURIComponent(tenant)}&next=${encodeURIComponent('/console/seat')}&expired=1`, { replace: true });
}

/** The socket went: is it the network, or did the session lapse? */
async function checkSession(): Promise<void> {
  try {
    await get('/api/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) sessionExpired();
  }
}
