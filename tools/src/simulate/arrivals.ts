/** Accidents arriving: a Poisson process over the service's open hours, each a new party reporting through the API. */
import { toLocal } from '@kuaichu/core/policy';
import type { Case } from './model.ts';
import { draw } from './random.ts';
import { drawReport } from './reports.ts';
import { dispatch } from './seats.ts';
import type { Sim } from './sim.ts';

/** Arrivals: a Poisson process with the hour's rate (thinning), only while the service is open. */
export function scheduleArrival(sim: Sim): void {
  const { world, rng } = sim;
  const peak = Math.max(...world.arrivalsPerHour);
  if (!(peak > 0)) return;
  let t = sim.now;
  for (;;) {
    t += rng.exponential(3600_000 / peak);
    if (t >= sim.o.end) return;
    const local = toLocal(new Date(t), sim.tz);
    if (rng.chance(world.arrivalsPerHour[(local.minute / 60) | 0]! / peak) && sim.city.hours.isOpen(local)) break;
  }
  sim.agenda.plan(t, { type: 'arrival' });
}

/** The next arrival is planned, then this one reports; an eligible case waits in the queue. */
export async function arrival(sim: Sim): Promise<void> {
  const { world, rng, api, counts, o } = sim;
  const now = sim.now;
  scheduleArrival(sim);
  const planned = drawReport(rng, world);
  const phone = `1${rng.int(3, 9)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}${sim.phones++ % 10}`;
  const party = await api.party(sim.tenant, phone);
  const clientKey = `sim-${o.seed}-${sim.phones}-${Math.floor(rng.next() * 1e9).toString(36)}`;
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
      : [a, o.population.otherMotorParty(rng, day, a, sim.insurers)];
  const c: Case = {
    id: r.id, phone, party, brigadeId: r.brigadeId!, state: 'waiting', reportedAt: now, queuedAt: now, preferredSeat: null, seat: null,
    answeredAt: null, callStartedAt: 0, remainingMs: 0,
    paperwork: { kind: planned.report.kind, district: planned.district, parties, reportedAt: new Date(now) },
    plan: { drop: rng.chance(world.shares.dropped), escalate: rng.chance(world.shares.escalated), claim: rng.chance(world.shares.claims), review: rng.chance(world.shares.reviews) },
  };
  sim.waiting.add(c);
  if (world.patience) sim.agenda.plan(now + draw(rng, world.patience) * 1000, { type: 'abandon', c });
  sim.agenda.plan(now + sim.overflowMs + 500, { type: 'tick' });
  await dispatch(sim);
}
