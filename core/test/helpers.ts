/** Shared by the core tests: the real cities, loaded once per test file. */
import { loadCities } from '../src/profile/index.ts';
import type { CompiledCity } from '../src/policy/index.ts';
import type { AccidentReport } from '../src/generated/types.ts';

let cache: Map<string, CompiledCity> | undefined;

export function city(tenant: string): CompiledCity {
  if (!cache) {
    const { cities, rejected } = loadCities();
    if (rejected.length) throw new Error(`profiles rejected: ${JSON.stringify(rejected, null, 2)}`);
    cache = new Map(cities.map((c) => [c.tenant, c]));
  }
  const c = cache.get(tenant);
  if (!c) throw new Error(`no city ${tenant}`);
  return c;
}

/** A benign report at a point: two insured, movable cars, nobody hurt. */
export function report(lng: number, lat: number, extra: Partial<AccidentReport> = {}): AccidentReport {
  return { location: { lng, lat }, kind: 'motor_motor', ...extra };
}

/** Points comfortably inside each district (shared with the plugins' tests through the test kit). */
export { PLACES } from '@kuaichu/testkit/places';
