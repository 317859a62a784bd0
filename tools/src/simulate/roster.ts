/**
 * The roster: how many seats each brigade has on duty in each local hour. By default every
 * brigade is staffed by Erlang C for its own share of the hour's calls and the city's target
 * (at least one seat while the service is open: the ACD rings a district's own brigade first
 * and overflows to other brigades only after `overflowAfterSeconds`). A fixed number of seats
 * per brigade can be given instead.
 */
import { seatsFor } from '../staffing/erlangC.ts';
import type { World } from './world.ts';

/** seats[brigadeId][hour] */
export type Roster = ReadonlyMap<string, readonly number[]>;

export function rosterOf(world: World, openHours: readonly boolean[], fixed?: number | readonly number[]): Roster {
  const p = world.city.profile;
  const target = { share: p.targets?.answerShare ?? 0.8, seconds: p.targets?.answerWithinSeconds ?? 30 };
  const total = world.districts.reduce((s, [, w]) => s + w, 0);
  const roster = new Map<string, number[]>();
  for (const b of p.routing.brigades) {
    const share = world.districts.filter(([d]) => b.districts.includes(d)).reduce((s, [, w]) => s + w, 0) / total;
    const hours = Array.from({ length: 24 }, (_, h) => {
      if (!openHours[h]) return 0;
      if (fixed !== undefined) return typeof fixed === 'number' ? fixed : fixed[h]!;
      // A brigade with no simulated district keeps one seat: the city's overflow still reaches it.
      const rate = world.arrivalsPerHour[h]! * share;
      return seatsFor({ arrivalsPerHour: rate, ahtSeconds: world.handling.meanSeconds }, target, 1).seats;
    });
    roster.set(b.id, hours);
  }
  return roster;
}
