/** Reading and showing metrics: the API calls and the few conversions the tiles and charts share. */
import type { AnalyticsGeo, AnalyticsMetrics, CityPublic, DurationStats } from '@kuaichu/core/generated/types.ts';
import { get } from '../lib/api.ts';
import { isoDay } from './dates.ts';

export type GroupBy = AnalyticsMetrics['groupBy'];

export interface Filters {
  from: string;
  to: string;
  districts: string[];
  /** Provincial analysts only: the cities to show (empty = all). */
  tenants: string[];
}

export function queryString(f: Filters, groupBy: GroupBy = 'none'): string {
  const q = new URLSearchParams();
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  if (f.districts.length) q.set('districts', f.districts.join(','));
  if (f.tenants.length) q.set('tenants', f.tenants.join(','));
  q.set('groupBy', groupBy);
  return q.toString();
}

export const loadMetrics = (f: Filters, groupBy: GroupBy) => get<AnalyticsMetrics>(`/api/analytics/metrics?${queryString(f, groupBy)}`);
export const loadGeo = (tenant?: string) => get<AnalyticsGeo>(`/api/analytics/geo${tenant ? `?tenant=${tenant}` : ''}`);
/** Today in the city's time zone by the server's clock (the public city answer carries it), not the browser's. */
export async function loadServerToday(tenant: string): Promise<string> {
  const city = await get<CityPublic>(`/api/cities/${encodeURIComponent(tenant)}`);
  return isoDay(new Date(city.now), city.timezone);
}
export const csvUrl = (f: Filters, groupBy: GroupBy) => `/api/analytics/metrics.csv?${queryString(f, groupBy)}`;

/** Minutes with one decimal, for charts (durations arrive in seconds). */
export const minutes = (s: number | null | undefined) => (s == null ? null : Math.round((s / 60) * 10) / 10);
export const percent = (r: number | null | undefined) => (r == null ? null : Math.round(r * 1000) / 10);
export const mean = (d: DurationStats) => d.mean;
