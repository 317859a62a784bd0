/**
 * A province as configured: the cities whose profiles name the same `province`. A provincial
 * analyst's view is the province of their own city, never every tenant of the deployment.
 */
import type { CompiledCity } from './city.ts';

/**
 * The tenants of the province `tenant` belongs to (itself included), sorted; [] for an unknown
 * tenant. Drafts (not live, no cases) are left out, except the tenant itself.
 */
export function citiesOfProvince(cities: readonly CompiledCity[], tenant: string): string[] {
  const province = cities.find((c) => c.tenant === tenant)?.profile.province;
  if (!province) return [];
  return cities.filter((c) => c.profile.province === province && (c.profile.status !== 'draft' || c.tenant === tenant)).map((c) => c.tenant).sort();
}
