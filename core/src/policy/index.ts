export { evaluate } from './evaluate.ts';
export { coveringCity, withCoveringCity, type CoveredBy } from './coveringCity.ts';
export type { CompiledCity } from './city.ts';
export { DistrictIndex } from './geofence.ts';
export type { DistrictCollection, DistrictFeature, DistrictGeometry, Position, Ring } from './geofence.ts';
export { ServiceHours } from './serviceHours.ts';
export { reason, REASON_CODES } from './reasons.ts';
export { toLocal, formatLocal, localMidnightUtc } from './localTime.ts';
export { locateParty, mapPointToWgs84, fromWgs84, toWgs84, cityDatum, DEFAULT_DATUM, type Datum } from './datum.ts';
