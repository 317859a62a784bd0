/**
 * One simulation run's state, shared by its parts (seats.ts, arrivals.ts, calls.ts,
 * backOffice.ts): the city's settings, the random source, the agenda, the simulated time,
 * the seats and the waiting cases, the counts; and the sessions the parts act with.
 */
import type { CompiledCity } from '@kuaichu/core/policy';
import { Agenda } from './agenda.ts';
import type { Api } from './http.ts';
import { zeroCounts, type Case, type Counts, type Event, type Seat, type SeatState } from './model.ts';
import type { Population } from './population.ts';
import { Random } from './random.ts';
import type { Roster } from './roster.ts';
import type { Target } from './target.ts';
import type { World } from './world.ts';

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
  /** Stops the run between two events (a bench's wall-clock limit); what is under way is left as it is. */
  signal?: AbortSignal;
  onDay?: (day: number, counts: Counts) => void;
}

export interface Sim {
  o: EngineOptions;
  world: World;
  api: Api;
  target: Target;
  city: CompiledCity;
  tenant: string;
  tz: string;
  overflowMs: number;
  targetMs: number;
  insurers: string[];
  rng: Random;
  agenda: Agenda<Event>;
  counts: Counts;
  waiting: Set<Case>;
  /** The simulated time (ms): the agenda's current event. */
  now: number;
  /** Phones handed out so far (each report is a new party). */
  phones: number;
  /** Per brigade: its demo seat first, then simulator seats as the roster needs them. */
  seats: Map<string, Seat[]>;
}

export async function createSim(o: EngineOptions): Promise<Sim> {
  const { world, api, target } = o;
  const city: CompiledCity = world.city;
  const queue = city.profile.queue ?? {};
  const sim: Sim = {
    o, world, api, target, city,
    tenant: city.tenant,
    tz: city.profile.timezone,
    overflowMs: (queue.overflowAfterSeconds ?? 60) * 1000,
    targetMs: (city.profile.targets?.answerWithinSeconds ?? 30) * 1000,
    insurers: (city.profile.claims.insurers ?? []).map((i) => i.id),
    rng: new Random(o.seed),
    agenda: new Agenda<Event>(),
    counts: zeroCounts(),
    waiting: new Set<Case>(),
    now: o.start,
    phones: 0,
    seats: new Map(),
  };
  for (const [brigadeId, hours] of o.roster) {
    const n = Math.max(1, ...hours);
    if (n > 1 && !target.canAddSeats) throw new Error(`the roster needs ${n} seats in ${brigadeId}; a remote server has one demo seat per brigade (use --seats 1, or run without --url)`);
    const list = Array.from({ length: n }, (_, i) => ({ username: i === 0 ? `seat-${brigadeId}` : `sim-${brigadeId}-${i + 1}`, brigadeId, state: 'off' as SeatState, idleSince: 0, leaving: false }));
    if (n > 1) await target.addSeats(list.slice(1).map((s) => ({ username: s.username, name: `${brigadeId} 模拟坐席 ${s.username.split('-').pop()}`, brigadeId })));
    sim.seats.set(brigadeId, list);
  }
  return sim;
}

export const allSeats = (sim: Sim): Seat[] => [...sim.seats.values()].flat();
export const seatToken = (sim: Sim, s: Seat): Promise<string> => sim.api.staff(sim.tenant, s.username);
export const officerToken = (sim: Sim): Promise<string> => sim.api.staff(sim.tenant, 'officer');

/** The party's session, renewed when it is about to end. */
export async function partyToken(sim: Sim, c: Case): Promise<string> {
  if (c.party.expiresAt <= sim.now + 60_000) c.party = await sim.api.party(sim.tenant, c.phone);
  return c.party.token;
}
