/**
 * Offline service points (线下一站式服务点, Yancheng's 云车通): what remote handling cannot settle
 * (disability and damage assessment, social assistance, litigation) is taken at one of the
 * city's points, and a refused or escalated party is sent to the nearest one.
 *
 * The rule, in this order:
 *  - every point gives a location → the nearest by great-circle distance;
 *  - otherwise by region, as the source divides them ("按照东西南北区域划分"): the bearing from
 *    the profile's `servicePointsCentre` (where the bureau divides its regions; by default the
 *    centre of area of the covered districts) to the party, ±45° around each axis, names the quadrant
 *    (east, north, west, south) and the point of that direction is the nearest. No point for
 *    that quadrant → a `centre` point, else the profile's first.
 * A few points with a location and others without are compared by region: a distance to some
 * points says nothing about the others.
 *
 * Pure: positions in the datum of the city's boundary file in, a choice out. `referral` is the
 * API's view: WGS-84 in and out, like every position the API takes and gives.
 */
import type { LocalText, ServicePoint, ServicePointReferral } from '../generated/types.ts';
import type { CompiledCity } from '../policy/city.ts';
import type { DistrictIndex } from '../policy/geofence.ts';
import { cityDatum, fromWgs84, mapPointToWgs84 } from '../policy/datum.ts';
import { ServiceHours } from '../policy/serviceHours.ts';
import { distanceKm, type Point } from '../rescue/dispatch.ts';

export type Quadrant = 'east' | 'north' | 'west' | 'south';

/** The boundaries the region rule reads: the district index and the districts the city covers. */
export interface CityBoundaries {
  readonly districts: DistrictIndex;
  readonly included: ReadonlySet<string>;
}

export interface NearestPoint {
  /** Index into the profile's list. */
  readonly index: number;
  readonly point: ServicePoint;
  readonly by: 'distance' | 'region';
  /** The party's quadrant seen from the centre of the covered districts (given either way, for the map). */
  readonly quadrant: Quadrant;
}

/** Per city (its boundaries do not change while it is loaded): computed on the first referral. */
const centres = new WeakMap<CityBoundaries, Point>();

/** The centre of area of the covered districts together (each district's centroid weighted by its area). */
export function coveredCentre(city: CityBoundaries): Point {
  let centre = centres.get(city);
  if (!centre) centres.set(city, (centre = centreOfArea(city)));
  return centre;
}

function centreOfArea(city: CityBoundaries): Point {
  let w = 0, lng = 0, lat = 0;
  for (const name of city.included) {
    const a = city.districts.area(name);
    const [x, y] = city.districts.centroid(name);
    w += a; lng += a * x; lat += a * y;
  }
  return { lng: lng / w, lat: lat / w };
}

/** East, north, west or south of `centre`: the quadrant of ±45° around each axis (east-west scaled by cos(latitude)). */
export function quadrantOf(centre: Point, at: Point): Quadrant {
  const dx = (at.lng - centre.lng) * Math.cos((centre.lat * Math.PI) / 180);
  const dy = at.lat - centre.lat;
  const deg = (Math.atan2(dy, dx) * 180) / Math.PI; // −180…180, 0 = east, 90 = north
  if (deg >= -45 && deg < 45) return 'east';
  if (deg >= 45 && deg < 135) return 'north';
  if (deg >= -135 && deg < -45) return 'south';
  return 'west';
}

/**
 * The point a party at `location` (the boundary file's datum) is sent to; null when the city lists none.
 * `centre`: where the regions are divided (the profile's servicePointsCentre), else the covered districts' centre.
 */
export function nearestServicePoint(points: readonly ServicePoint[], city: CityBoundaries, location: Point, centre: Point = coveredCentre(city)): NearestPoint | null {
  if (!points.length) return null;
  const quadrant = quadrantOf(centre, location);
  if (points.every((p) => p.location)) {
    let index = 0;
    points.forEach((p, i) => { if (distanceKm(location, p.location!) < distanceKm(location, points[index]!.location!)) index = i; });
    return { index, point: points[index]!, by: 'distance', quadrant };
  }
  const found = [quadrant, 'centre'].map((d) => points.findIndex((p) => p.direction === d)).find((i) => i >= 0);
  const index = found ?? 0;
  return { index, point: points[index]!, by: 'region', quadrant };
}

/** The referral the party app shows (GET /api/service-points/nearest, GET /api/cases/:id/service-points); null when the city lists no points. */
export function referral(city: CompiledCity, from: Point): ServicePointReferral | null {
  const points = city.profile.platform?.servicePoints ?? [];
  const [x, y] = fromWgs84(cityDatum(city), from.lng, from.lat);
  const at = { lng: x, lat: y };
  const centre = city.profile.platform?.servicePointsCentre ?? coveredCentre(city);
  const nearest = nearestServicePoint(points, city, at, centre);
  if (!nearest) return null;
  const wgs = (p: Point) => {
    const [lng, lat] = mapPointToWgs84(city, p.lng, p.lat);
    return { lng, lat };
  };
  const km = (p: ServicePoint) => (p.location ? Math.round(distanceKm(at, p.location) * 10) / 10 : null);
  // The nearest first; then by distance where known, else in the profile's order.
  const others = points.map((p, i) => ({ p, i })).filter(({ i }) => i !== nearest.index)
    .sort((a, b) => (km(a.p) ?? Infinity) - (km(b.p) ?? Infinity) || a.i - b.i);
  const view = (p: ServicePoint, isNearest: boolean) => ({
    name: p.name, direction: p.direction, nearest: isNearest, handles: p.handles ?? [],
    ...(p.address ? { address: p.address } : {}),
    ...(p.hours ? { hours: hoursText(p.hours) } : {}),
    ...(p.location ? { location: wgs(p.location), km: km(p)! } : {}),
  });
  return {
    by: nearest.by, quadrant: nearest.quadrant, from, centre: wgs(centre),
    points: [view(nearest.point, true), ...others.map(({ p }) => view(p, false))],
  };
}

/** Opening hours in words, as the city's own service hours are shown. */
function hoursText(windows: NonNullable<ServicePoint['hours']>): LocalText {
  const hours = ServiceHours.compile(windows);
  // The profile check (profile/compile.ts) refuses inverted or overlapping windows.
  if (Array.isArray(hours)) throw new Error(`service point hours not checked: ${hours[0]!.message}`);
  return hours.text;
}
