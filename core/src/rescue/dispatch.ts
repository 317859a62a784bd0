/**
 * One-key rescue (一键救援), the dispatch rules: which tow vehicle is offered the job, in what
 * order, how long an offer stands, and the estimated arrival. Pure: positions in, decisions out.
 *
 * Positions are the coordinates the rest of the code uses (GCJ-02 in the Chinese cities: the
 * browser's geolocation converted as the party app does); over a few kilometres GCJ-02's offset
 * is nearly constant, so great-circle distance between two GCJ-02 points is the distance.
 */

/** Mean Earth radius (IUGG), km — the one policy/geofence.ts uses. */
const EARTH_RADIUS_KM = 6371.0088;
const DEG = Math.PI / 180;

/** How long a crew has to accept an offer before the next vehicle is offered the job. */
export const OFFER_SECONDS = 60;
/** A vehicle whose last position is older than this is not offered jobs (its page is closed, or it lost signal). */
export const POSITION_FRESH_SECONDS = 300;
/** Urban tow speed and road-over-straight-line factor for the estimated arrival. */
export const TOW_SPEED_KMH = 30;
export const ROAD_FACTOR = 1.3;

export interface Point {
  lng: number;
  lat: number;
}

/** Great-circle (haversine) distance in km. */
export function distanceKm(a: Point, b: Point): number {
  const dLat = (b.lat - a.lat) * DEG;
  const dLng = (b.lng - a.lng) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Estimated minutes to drive `km` of straight line: road factor, urban speed, at least one minute. */
export function etaMinutes(km: number): number {
  return Math.max(1, Math.ceil((km * ROAD_FACTOR / TOW_SPEED_KMH) * 60));
}

export interface TowVehicle extends Point {
  id: string;
  status: 'available' | 'busy' | 'offline';
  positionAt: Date;
}

/**
 * The vehicles to offer the job to, nearest first: available, with a fresh position, not among
 * those that declined or let an offer lapse. Ties (same distance) go by id, so the order is
 * deterministic.
 */
export function candidates<V extends TowVehicle>(vehicles: readonly V[], at: Point, skip: ReadonlySet<string>, now: Date): Array<V & { km: number }> {
  const fresh = now.getTime() - POSITION_FRESH_SECONDS * 1000;
  return vehicles
    .filter((v) => v.status === 'available' && !skip.has(v.id) && v.positionAt.getTime() >= fresh)
    .map((v) => ({ ...v, km: distanceKm(at, v) }))
    .sort((a, b) => a.km - b.km || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export type RescueStatus = 'offering' | 'waiting' | 'accepted' | 'arrived' | 'completed' | 'cancelled';

/** A rescue's dispatch state, as far as these rules need it. */
export interface OfferState {
  status: RescueStatus;
  offeredTo: string | null;
  offerExpiresAt: Date | null;
  /** Vehicles that declined or let their offer lapse: never offered this job again. */
  passed: readonly string[];
}

/**
 * The next step of the offer round at `now`: an offer that lapsed counts as a decline; a rescue
 * with no standing offer is offered to the nearest candidate (or waits for one). Returns the
 * new state, unchanged when nothing is due.
 */
export function advanceOffer(state: OfferState, vehicles: readonly TowVehicle[], at: Point, now: Date): OfferState {
  if (state.status !== 'offering' && state.status !== 'waiting') return state;
  let passed = state.passed;
  if (state.status === 'offering' && state.offeredTo) {
    if (state.offerExpiresAt && now < state.offerExpiresAt) {
      // The offered vehicle still stands unless it went busy or offline meanwhile.
      const v = vehicles.find((x) => x.id === state.offeredTo);
      if (v && v.status === 'available') return state;
    }
    passed = [...passed, state.offeredTo];
  }
  const next = candidates(vehicles, at, new Set(passed), now)[0];
  if (!next) return { status: 'waiting', offeredTo: null, offerExpiresAt: null, passed };
  return { status: 'offering', offeredTo: next.id, offerExpiresAt: new Date(now.getTime() + OFFER_SECONDS * 1000), passed };
}

/** The crew declines: the offer passes on at once. */
export function declineOffer(state: OfferState, vehicleId: string, vehicles: readonly TowVehicle[], at: Point, now: Date): OfferState {
  if (state.status !== 'offering' || state.offeredTo !== vehicleId) return state;
  return advanceOffer({ ...state, offerExpiresAt: now }, vehicles, at, now);
}
