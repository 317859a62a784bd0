/**
 * The simulation proper: a discrete-event loop over the city's accidents. Each step moves
 * the server's clock to the next planned event and does what a party, a seat or an officer
 * would do at that moment through the HTTP API; whatever can make the queue move (a report,
 * a seat going free or on duty, the overflow wait running out) is followed by the queue's
 * timer and a look at which seat now rings — the ACD decides, the simulator only watches
 * (a seat console's GET /api/seat/queue) and answers.
 *
 * Time runs from `start` to `end` for arrivals and the roster; calls under way at `end` are
 * finished (nobody hangs up on a party), back-office work after `end` is left for later, as a
 * snapshot of the city at `end`.
 */
import type { CompiledCity } from '@kuaichu/core/policy';
import { toLocal } from '@kuaichu/core/policy';
import { Agenda } from './agenda.ts';
import { ApiError, type Api, type Session } from './http.ts';
import { determinationBody, gatherEvidence, type Paperwork } from './paperwork.ts';
import type { Population } from './population.ts';
import { Random, draw } from './random.ts';
import { drawReport } from './reports.ts';
import type { Roster } from './roster.ts';
import type { Target } from './target.ts';
import type { World } from './world.ts';

type SeatState = 'off' | 'idle' | 'ringing' | 'busy';

interface Seat {
  username: string;
  brigadeId: string;
  state: SeatState;
  idleSince: number;
  /** Off duty as soon as the call in hand (and the queue it could take) is done. */
  leaving: boolean;
}

type CaseState = 'waiting' | 'ringing' | 'in_call' | 'dropped' | 'evacuated' | 'done';

interface Case {
  id: string;
  phone: string;
  party: Session;
  brigadeId: string;
  paperwork: Paperwork;
  state: CaseState;
  reportedAt: number;
  queuedAt: number;
  preferredSeat: Seat | null;
  seat: Seat | null;
  answeredAt: number | null;
  callStartedAt: number;
  remainingMs: number;
  plan: { drop: boolean; escalate: boolean; claim: boolean; review: boolean };
}

type Event =
  | { type: 'arrival' }
  | { type: 'roster' }
  | { type: 'tick' }
  | { type: 'answer'; c: Case; seat: Seat }
  | { type: 'abandon'; c: Case }
  | { type: 'evidence'; c: Case }
  | { type: 'evacuate'; c: Case }
  | { type: 'escalate'; c: Case; reason: string }
  | { type: 'drop'; c: Case }
  | { type: 'resume'; c: Case }
  | { type: 'determine'; c: Case }
  | { type: 'claim'; c: Case }
  | { type: 'review'; c: Case }
  | { type: 'decide'; c: Case; reviewId: string };

const BACK_OFFICE = new Set<Event['type']>(['determine', 'claim', 'review', 'decide']);

export interface Counts {
  reports: number;
  refused: number;
  eligible: number;
  answered: number;
  abandoned: number;
  answeredInTarget: number;
  escalated: number;
  checksFailed: number;
  dropped: number;
  evacuated: number;
  served: number;
  claims: number;
  reviews: number;
  /** Report → first answer (s) of each answered case, with the local hour of the report. */
  waits: Array<{ hour: number; seconds: number }>;
  /** First answer → leave notice (s) of each evacuated case. */
  handling: number[];
}

export interface EngineOptions {
  world: World;
  roster: Roster;
  target: Target;
  api: Api;
  population: Population;
  start: number;
  end: number;
  seed: number;
  /** Simulated seconds per real second (pacing for a live demo); undefined = as fast as possible. */
  speed?: number;
  onDay?: (day: number, counts: Counts) => void;
}

export async function runEngine(o: EngineOptions): Promise<Counts> {
  const { world, api, target } = o;
  const city: CompiledCity = world.city;
  const tenant = city.tenant;
  const tz = city.profile.timezone;
  const queue = city.profile.queue ?? {};
  const overflowMs = (queue.overflowAfterSeconds ?? 60) * 1000;
  const targetMs = (city.profile.targets?.answerWithinSeconds ?? 30) * 1000;
  const insurers = (city.profile.claims.insurers ?? []).map((i) => i.id);
  const rng = new Random(o.seed);
  const agenda = new Agenda<Event>();
  const counts: Counts = { reports: 0, refused: 0, eligible: 0, answered: 0, abandoned: 0, answeredInTarget: 0, escalated: 0, checksFailed: 0, dropped: 0, evacuated: 0, served: 0, claims: 0, reviews: 0, waits: [], handling: [] };
  const waiting = new Set<Case>();
  let now = o.start;
  let phones = 0;

  // Seats: the brigade's demo seat first, then simulator seats as the roster needs them.
  const seats = new Map<string, Seat[]>();
  for (const [brigadeId, hours] of o.roster) {
    const n = Math.max(1, ...hours);
    if (n > 1 && !target.canAddSeats) throw new Error(`the roster needs ${n} seats in ${brigadeId}; a remote server has one demo seat per brigade (use --seats 1, or run without --url)`);
    const list = Array.from({ length: n }, (_, i) => ({ username: i === 0 ? `seat-${brigadeId}` : `sim-${brigadeId}-${i + 1}`, brigadeId, state: 'off' as SeatState, idleSince: 0, leaving: false }));
    if (n > 1) await target.addSeats(list.slice(1).map((s) => ({ username: s.username, name: `${brigadeId} 模拟坐席 ${s.username.split('-').pop()}`, brigadeId })));
    seats.set(brigadeId, list);
  }
  const allSeats = () => [...seats.values()].flat();
  const seatToken = (s: Seat) => api.staff(tenant, s.username);
  const officer = () => api.staff(tenant, 'officer');

  async function partyToken(c: Case): Promise<string> {
    if (c.party.expiresAt <= now + 60_000) c.party = await api.party(tenant, c.phone);
    return c.party.token;
  }

  async function setStatus(s: Seat, status: 'available' | 'away'): Promise<void> {
    await api.request('POST', '/api/seat/status', { token: await seatToken(s), body: { status } });
    s.state = status === 'available' ? 'idle' : 'off';
    s.idleSince = now;
    s.leaving = false;
  }

  /** Can this seat be rung for one of the waiting cases (the ACD's rule: own brigade, previous seat, or overflow)? */
  const canTake = (s: Seat) => [...waiting].some((c) => c.brigadeId === s.brigadeId || c.preferredSeat === s || now - c.queuedAt >= overflowMs);

  /** The queue's timer has run; find the seats it rang (longest idle of the right brigade asked first). */
  async function dispatch(): Promise<void> {
    // Nothing waiting: the timer would find nothing to ring (seats here never let a call ring
    // out, and dropped calls are always resumed), so it is not run.
    if (!waiting.size) return;
    await target.tick();
    const brigades = new Set([...waiting].map((c) => c.brigadeId));
    const idle = allSeats().filter((s) => s.state === 'idle' && canTake(s))
      .sort((a, b) => Number(brigades.has(b.brigadeId)) - Number(brigades.has(a.brigadeId)) || a.idleSince - b.idleSince);
    for (const s of idle) {
      if (!waiting.size) break;
      const q = await api.request<{ seat: { status: string; caseId: string | null } }>('GET', '/api/seat/queue', { token: await seatToken(s) });
      if (q.seat.status !== 'ringing') continue;
      const c = [...waiting].find((x) => x.id === q.seat.caseId);
      if (!c) throw new Error(`${s.username} rings for a case the simulator does not know: ${q.seat.caseId}`);
      waiting.delete(c);
      c.state = 'ringing';
      c.seat = s;
      s.state = 'ringing';
      // Picked up well inside the ring timeout: a seat that lets it ring out is set away.
      agenda.plan(now + Math.min(15_000, draw(rng, world.pickUp) * 1000), { type: 'answer', c, seat: s });
    }
  }

  /** The seat's call ended: free (the server made it available), or off duty if it was leaving. */
  async function callEnded(s: Seat): Promise<void> {
    s.state = 'idle';
    s.idleSince = now;
    if (s.leaving && !canTake(s)) await setStatus(s, 'away');
  }

  async function arrival(): Promise<void> {
    scheduleArrival();
    const planned = drawReport(rng, world);
    const phone = `1${rng.int(3, 9)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}${phones++ % 10}`;
    const party = await api.party(tenant, phone);
    const clientKey = `sim-${o.seed}-${phones}-${Math.floor(rng.next() * 1e9).toString(36)}`;
    const r = await api.request<{ id: string; state: string; brigadeId: string | null; kind: string }>('POST', '/api/cases', { token: party.token, body: { clientKey, report: planned.report } });
    counts.reports++;
    if (r.state === 'ineligible') {
      counts.refused++;
      return;
    }
    counts.eligible++;
    const day = new Date(now).toISOString().slice(0, 10);
    const a = o.population.checkedParty(rng, day, 1 - world.shares.invalidParty);
    const parties = planned.report.kind === 'single_vehicle' ? [a]
      : planned.report.kind === 'motor_non_motor' ? [a, { ...o.population.otherParty(rng, []), plate: '非机动车', insurerId: null }]
        : [a, o.population.otherMotorParty(rng, day, a, insurers)];
    const c: Case = {
      id: r.id, phone, party, brigadeId: r.brigadeId!, state: 'waiting', reportedAt: now, queuedAt: now, preferredSeat: null, seat: null,
      answeredAt: null, callStartedAt: 0, remainingMs: 0,
      paperwork: { kind: planned.report.kind, district: planned.district, parties, reportedAt: new Date(now) },
      plan: { drop: rng.chance(world.shares.dropped), escalate: rng.chance(world.shares.escalated), claim: rng.chance(world.shares.claims), review: rng.chance(world.shares.reviews) },
    };
    waiting.add(c);
    if (world.patience) agenda.plan(now + draw(rng, world.patience) * 1000, { type: 'abandon', c });
    agenda.plan(now + overflowMs + 500, { type: 'tick' });
    await dispatch();
  }

  async function answer(c: Case, s: Seat): Promise<void> {
    if (c.state !== 'ringing' || c.seat !== s) return;
    await api.request('POST', `/api/cases/${c.id}/answer`, { token: await seatToken(s) });
    c.state = 'in_call';
    s.state = 'busy';
    c.callStartedAt = now;
    if (c.answeredAt === null) {
      c.answeredAt = now;
      c.remainingMs = draw(rng, world.handling) * 1000;
      counts.answered++;
      counts.waits.push({ hour: (toLocal(new Date(c.reportedAt), tz).minute / 60) | 0, seconds: (now - c.reportedAt) / 1000 });
      if (now - c.reportedAt <= targetMs) counts.answeredInTarget++;
    }
    const rest = c.remainingMs;
    if (c.plan.drop) {
      c.plan.drop = false;
      agenda.plan(now + rest * rng.between(0.2, 0.5), { type: 'drop', c });
    } else if (c.plan.escalate) {
      agenda.plan(now + rest * rng.between(0.2, 0.6), { type: 'escalate', c, reason: '现场有人员受伤较重，转民警现场处置（模拟）' });
    } else {
      agenda.plan(now + rest * world.evidenceShare, { type: 'evidence', c });
      agenda.plan(now + rest, { type: 'evacuate', c });
    }
  }

  async function abandon(c: Case): Promise<void> {
    if ((c.state !== 'waiting' && c.state !== 'ringing') || c.answeredAt !== null) return;
    await api.request('POST', `/api/cases/${c.id}/abandon`, { token: await partyToken(c) });
    waiting.delete(c);
    counts.abandoned++;
    const ringing = c.state === 'ringing' ? c.seat : null;
    c.state = 'done';
    if (ringing) {
      await callEnded(ringing);
      await dispatch();
    }
  }

  async function evidence(c: Case): Promise<void> {
    if (c.state !== 'in_call') return;
    const ok = await gatherEvidence(api, city, c.id, await seatToken(c.seat!), c.paperwork, rng);
    if (!ok) {
      // A licence, registration or 交强险 check failed: not for remote handling.
      counts.checksFailed++;
      await escalate(c, '核验未通过，转民警现场处置');
    }
  }

  async function evacuate(c: Case): Promise<void> {
    if (c.state !== 'in_call') return;
    const s = c.seat!;
    await api.request('POST', `/api/cases/${c.id}/evacuate`, { token: await seatToken(s) });
    c.state = 'evacuated';
    c.seat = null;
    counts.evacuated++;
    counts.handling.push((now - c.answeredAt!) / 1000);
    if (world.flow === 'full') agenda.plan(now + draw(rng, world.determination) * 1000, { type: 'determine', c });
    await callEnded(s);
    await dispatch();
  }

  async function escalate(c: Case, reason: string): Promise<void> {
    if (c.state !== 'in_call') return;
    const s = c.seat!;
    await api.request('POST', `/api/cases/${c.id}/escalate`, { token: await seatToken(s), body: { reason } });
    c.state = 'done';
    c.seat = null;
    counts.escalated++;
    await callEnded(s);
    await dispatch();
  }

  async function drop(c: Case): Promise<void> {
    if (c.state !== 'in_call') return;
    const s = c.seat!;
    await api.request('POST', `/api/cases/${c.id}/drop`, { token: await partyToken(c) });
    counts.dropped++;
    c.remainingMs = Math.max(30_000, c.remainingMs - (now - c.callStartedAt));
    c.state = 'dropped';
    c.preferredSeat = s;
    c.seat = null;
    agenda.plan(now + rng.between(20, 90) * 1000, { type: 'resume', c });
    await callEnded(s);
    await dispatch();
  }

  async function resume(c: Case): Promise<void> {
    if (c.state !== 'dropped') return;
    await api.request('POST', `/api/cases/${c.id}/resume`, { token: await partyToken(c) });
    c.state = 'waiting';
    c.queuedAt = now;
    waiting.add(c);
    agenda.plan(now + overflowMs + 500, { type: 'tick' });
    await dispatch();
  }

  async function determine(c: Case): Promise<void> {
    await api.request('POST', `/api/cases/${c.id}/determination`, { token: await officer(), body: determinationBody(c.paperwork, rng) });
    counts.served++;
    const claimAt = now + draw(rng, world.claimDelay) * 1000;
    if (c.plan.claim) agenda.plan(claimAt, { type: 'claim', c });
    // A review comes after the claim (a claim cannot be pushed while a review is pending).
    if (c.plan.review) agenda.plan(Math.max(c.plan.claim ? claimAt + 60_000 : 0, now + rng.between(2, 40) * 3600_000), { type: 'review', c });
  }

  async function claim(c: Case): Promise<void> {
    await api.request('POST', `/api/cases/${c.id}/claims`, { token: await partyToken(c) });
    counts.claims++;
  }

  async function review(c: Case): Promise<void> {
    try {
      const r = await api.request<{ id: string }>('POST', `/api/cases/${c.id}/reviews`, { token: await partyToken(c), body: { reason: '对责任认定有异议，申请复核。（模拟）' } });
      counts.reviews++;
      agenda.plan(now + rng.between(1, 8) * 3600_000, { type: 'decide', c, reviewId: r.id });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'KC_REVIEW_WINDOW_CLOSED')) throw err;
    }
  }

  async function decide(c: Case, reviewId: string): Promise<void> {
    await api.request('POST', `/api/cases/${c.id}/reviews/${reviewId}/decision`, { token: await officer(), body: { outcome: 'upheld' } });
  }

  /** The hour's roster: seats come on duty, or leave once their call (and the queue) is done. */
  async function roster(): Promise<void> {
    const hour = (toLocal(new Date(now), tz).minute / 60) | 0;
    for (const s of allSeats()) if (s.leaving && s.state === 'idle' && !canTake(s)) await setStatus(s, 'away');
    for (const [brigadeId, list] of seats) {
      const want = o.roster.get(brigadeId)![hour]!;
      let on = list.filter((s) => s.state !== 'off' && !s.leaving).length;
      for (const s of list) {
        if (on >= want) break;
        if (s.state !== 'off' && s.leaving) {
          s.leaving = false;
          on++;
        } else if (s.state === 'off') {
          await setStatus(s, 'available');
          on++;
        }
      }
      for (const s of [...list].reverse()) {
        if (on <= want) break;
        if (s.state === 'off' || s.leaving) continue;
        s.leaving = true;
        on--;
        if (s.state === 'idle' && !canTake(s)) await setStatus(s, 'away');
      }
    }
    const next = nextHour(now);
    if (next < o.end) agenda.plan(next, { type: 'roster' });
    await dispatch();
    await target.flush();
  }

  /** Arrivals: a Poisson process with the hour's rate (thinning), only while the service is open. */
  function scheduleArrival(): void {
    const peak = Math.max(...world.arrivalsPerHour);
    if (!(peak > 0)) return;
    let t = now;
    for (;;) {
      t += rng.exponential(3600_000 / peak);
      if (t >= o.end) return;
      const local = toLocal(new Date(t), tz);
      if (rng.chance(world.arrivalsPerHour[(local.minute / 60) | 0]! / peak) && city.hours.isOpen(local)) break;
    }
    agenda.plan(t, { type: 'arrival' });
  }

  const handlers: { [K in Event['type']]: (e: Extract<Event, { type: K }>) => Promise<void> } = {
    arrival: () => arrival(),
    roster: () => roster(),
    tick: () => dispatch(),
    answer: (e) => answer(e.c, e.seat),
    abandon: (e) => abandon(e.c),
    evidence: (e) => evidence(e.c),
    evacuate: (e) => evacuate(e.c),
    escalate: (e) => escalate(e.c, e.reason),
    drop: (e) => drop(e.c),
    resume: (e) => resume(e.c),
    determine: (e) => determine(e.c),
    claim: (e) => claim(e.c),
    review: (e) => review(e.c),
    decide: (e) => decide(e.c, e.reviewId),
  };

  await target.setTime(o.start);
  agenda.plan(o.start, { type: 'roster' });
  scheduleArrival();
  const realStart = Date.now();
  let day = 0;
  for (let e = agenda.next(); e; e = agenda.next()) {
    if (e.at >= o.end && BACK_OFFICE.has(e.what.type)) continue;
    if (o.speed) {
      const due = realStart + (e.at - o.start) / o.speed;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    now = Math.max(now, Math.round(e.at));
    await target.setTime(now);
    while (o.onDay && now - o.start >= (day + 1) * 86_400_000) o.onDay(++day, counts);
    await (handlers[e.what.type] as (x: Event) => Promise<void>)(e.what);
  }
  return counts;
}

/** The next full hour after `ms` (the roster changes on the hour; Asia/Shanghai has whole-hour offsets). */
function nextHour(ms: number): number {
  return (Math.floor(ms / 3600_000) + 1) * 3600_000;
}
