/**
 * The simulation proper: a discrete-event loop over the city's accidents. Each step moves
 * the server's clock to the next planned event and does what a party, a seat or an officer
 * would do at that moment through the HTTP API; whatever can make the queue move (a report,
 * a seat going free or on duty, the overflow wait running out) is followed by the queue's
 * timer and a look at which seat now rings (seats.ts).
 *
 * Time runs from `start` to `end` for arrivals and the roster; calls under way at `end` are
 * finished (nobody hangs up on a party), back-office work after `end` is left for later, as a
 * snapshot of the city at `end`.
 *
 * The parts: sim.ts (the run's state), arrivals.ts, seats.ts, calls.ts, backOffice.ts.
 */
import { arrival, scheduleArrival } from './arrivals.ts';
import { claim, decide, determine, review } from './backOffice.ts';
import { abandon, answer, drop, escalate, evacuate, evidence, resume } from './calls.ts';
import { BACK_OFFICE, type Counts, type Event } from './model.ts';
import { dispatch, roster } from './seats.ts';
import { createSim, type EngineOptions, type Sim } from './sim.ts';

export type { Counts } from './model.ts';
export type { EngineOptions } from './sim.ts';

const handlers: { [K in Event['type']]: (sim: Sim, e: Extract<Event, { type: K }>) => Promise<void> } = {
  arrival: (sim) => arrival(sim),
  roster: (sim) => roster(sim),
  tick: (sim) => dispatch(sim),
  answer: (sim, e) => answer(sim, e.c, e.seat),
  abandon: (sim, e) => abandon(sim, e.c),
  evidence: (sim, e) => evidence(sim, e.c),
  evacuate: (sim, e) => evacuate(sim, e.c),
  escalate: (sim, e) => escalate(sim, e.c, e.reason),
  drop: (sim, e) => drop(sim, e.c),
  resume: (sim, e) => resume(sim, e.c),
  determine: (sim, e) => determine(sim, e.c),
  claim: (sim, e) => claim(sim, e.c),
  review: (sim, e) => review(sim, e.c),
  decide: (sim, e) => decide(sim, e.c, e.reviewId),
};

export async function runEngine(o: EngineOptions): Promise<Counts> {
  const sim = await createSim(o);
  const { agenda, target, counts } = sim;
  await target.setTime(o.start);
  agenda.plan(o.start, { type: 'roster' });
  scheduleArrival(sim);
  const realStart = Date.now();
  let day = 0;
  for (let e = agenda.next(); e && !o.signal?.aborted; e = agenda.next()) {
    if (e.at >= o.end && BACK_OFFICE.has(e.what.type)) continue;
    if (o.speed) {
      const due = realStart + (e.at - o.start) / o.speed;
      if (due > Date.now()) await pause(due - Date.now(), o.signal);
      if (o.signal?.aborted) break;
    }
    sim.now = Math.max(sim.now, Math.round(e.at));
    await target.setTime(sim.now);
    while (o.onDay && sim.now - o.start >= (day + 1) * 86_400_000) o.onDay(++day, counts);
    await (handlers[e.what.type] as (sim: Sim, x: Event) => Promise<void>)(sim, e.what);
  }
  return counts;
}

/** Waits for the paced moment, or less when the run is stopped meanwhile. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
