/**
 * The wrong city (选错城市): a party who opened another city's app, or picked the wrong city on
 * the start page, is refused as "outside the area". When a city served here covers the place,
 * the refusal names it, so the app can offer to switch instead of leaving the driver with a
 * refusal that does not help. Outside `evaluate` because it reads every city, not one.
 */
import type { AccidentReport, Decision } from '../generated/types.ts';
import type { CompiledCity } from './city.ts';
import { locateParty } from './datum.ts';

export type CoveredBy = NonNullable<Decision['coveredBy']>;

/** The first other live city whose served districts contain the point, or null. */
export function coveringCity(cities: readonly CompiledCity[], self: string, lng: number, lat: number): CoveredBy | null {
  for (const c of cities) {
    if (c.tenant === self || c.profile.status === 'draft') continue; // a draft takes no reports: no use switching to it
    const district = locateParty(c, lng, lat);
    if (district !== null && c.included.has(district)) return { tenant: c.tenant, city: c.profile.city, district };
  }
  return null;
}

/** The decision, with `coveredBy` when it was refused for the area and another city covers the place. */
export function withCoveringCity(decision: Decision, report: AccidentReport, self: string, cities: readonly CompiledCity[]): Decision {
  if (!decision.reasons.some((r) => r.code === 'district_not_covered')) return decision;
  const cover = coveringCity(cities, self, report.location.lng, report.location.lat);
  return cover ? { ...decision, coveredBy: cover } : decision;
}
