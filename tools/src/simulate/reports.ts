/**
 * What a party reports: where (a random point of a district, drawn by the district's weight;
 * now and then from outside the covered area), what kind of accident, who is hurt, through
 * which channel. Refusals happen as they would: outside the area, a serious injury, a
 * single-vehicle accident without the property's owner (where the city requires one).
 */
import type { AccidentReport, CollisionKind } from '@kuaichu/core/generated/types.ts';
import { locateParty, mapPointToWgs84 } from '@kuaichu/core/policy';
import type { Random } from './random.ts';
import type { World } from './world.ts';

export interface PlannedReport {
  report: AccidentReport;
  district: string;
}

export function drawReport(rng: Random, world: World): PlannedReport {
  const { city, shares } = world;
  const outside = city.districts.names().filter((d) => !city.included.has(d));
  const district = outside.length && rng.chance(shares.outsideArea) ? rng.pick(outside) : rng.weighted(world.districts);
  const kind: CollisionKind = rng.weighted(world.kinds);
  const injury = rng.chance(shares.seriousInjury) ? 'serious' : rng.chance(0.08) && acceptsMinor(world, kind) ? 'minor' : 'none';
  const report: AccidentReport = {
    location: pointIn(rng, world, district),
    kind,
    injury,
    channel: rng.pick(world.channels) as AccidentReport['channel'],
    ...(kind === 'motor_non_motor' ? { insured: 'motor_only' as const, parties: 2 } : kind === 'single_vehicle' ? { parties: 1, ownerPresent: !rng.chance(shares.ownerAbsent) } : { parties: 2 }),
  };
  return { report, district };
}

function acceptsMinor(world: World, kind: CollisionKind): boolean {
  return world.city.profile.eligibility.accidentTypes.some((t) => t.kind === kind && (t.injuries as readonly string[]).includes('minor'));
}

/**
 * A uniform point inside the district (rejection sampling in its bounding box, on the city's
 * map), reported as a phone would: in WGS-84, and kept only where intake places it again.
 */
function pointIn(rng: Random, world: World, district: string): { lng: number; lat: number } {
  const [minX, minY, maxX, maxY] = world.city.districts.bbox(district);
  for (let i = 0; i < 10_000; i++) {
    const [lng, lat] = mapPointToWgs84(world.city, rng.between(minX, maxX), rng.between(minY, maxY));
    if (locateParty(world.city, lng, lat) === district) return { lng, lat };
  }
  throw new Error(`no point found inside ${district}`);
}

