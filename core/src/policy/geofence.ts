/**
 * Geofence (电子围栏): which district a party's GPS position lies in.
 *
 * The district decides the brigade whose seats take the call and whether the city offers
 * remote handling there at all, so this runs once per policy decision. The policy engine's
 * target is p99 < 1 ms per whole decision, hence the shape of this class: everything is
 * checked and flattened once at load time (rings become Float64Arrays, bounding boxes are
 * precomputed), and `locate` only reads numbers — no allocation, no closures, no GeoJSON
 * walking in the hot path.
 *
 * Input is a GeoJSON FeatureCollection of districts (`cities/geo/<tenant>.geojson`, written
 * by `kuaichu import-districts`): `properties.name` is the Chinese district name (道里区),
 * geometry is a Polygon or MultiPolygon in [lng, lat] order.
 */

/** [lng, lat], GeoJSON order. */
export type Position = readonly [lng: number, lat: number];
/** [minLng, minLat, maxLng, maxLat], GeoJSON bbox order. */
export type BBox = readonly [minLng: number, minLat: number, maxLng: number, maxLat: number];

/** A ring is a closed list of positions; the first ring of a polygon is its exterior, the rest are holes. */
export type Ring = readonly Position[];
export interface PolygonGeometry { type: 'Polygon'; coordinates: readonly Ring[] }
export interface MultiPolygonGeometry { type: 'MultiPolygon'; coordinates: readonly (readonly Ring[])[] }
export type DistrictGeometry = PolygonGeometry | MultiPolygonGeometry;

/** The properties `import-districts` writes; only `name` is required by the index. */
export interface DistrictProperties {
  /** Chinese district name as used in city profiles (道里区). */
  name: string;
  /** Administrative division code (230102). */
  adcode?: string;
  /** A label point inside (usually) the district, [lng, lat]. */
  center?: Position;
}
export interface DistrictFeature {
  type: 'Feature';
  properties: DistrictProperties;
  geometry: DistrictGeometry;
}
export interface DistrictCollection {
  type: 'FeatureCollection';
  /** Foreign members kept for provenance: where the boundaries come from and under which licence. */
  source?: string;
  license?: string;
  features: DistrictFeature[];
}

/**
 * One polygon flattened for the hot path. Rings are [x0, y0, x1, y1, ...] (lng, lat);
 * rings[0] is the exterior, the others are holes.
 */
interface FlatPolygon {
  minX: number; minY: number; maxX: number; maxY: number;
  rings: Float64Array[];
}

interface District {
  name: string;
  minX: number; minY: number; maxX: number; maxY: number;
  polygons: FlatPolygon[];
  areaKm2: number;
  /** The file's label point (properties.center), if it gave a valid one. */
  center: Position | null;
}

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;
const DEG = Math.PI / 180;

export class DistrictIndex {
  /** In file order: when slivers of two districts overlap (sloppy source data), the first wins, deterministically. */
  private readonly districts: readonly District[];
  private readonly byName: ReadonlyMap<string, District>;

  private constructor(districts: District[]) {
    this.districts = districts;
    this.byName = new Map(districts.map((d) => [d.name, d]));
  }

  /**
   * Checks and flattens a FeatureCollection. `file` only serves error messages, so a broken
   * boundary file is reported as `cities/geo/harbin.geojson: feature #3 (道外区): ...` at load
   * time rather than as a wrong answer at the roadside.
   */
  static fromGeoJSON(fc: unknown, file?: string): DistrictIndex {
    const where = file ?? 'district GeoJSON';
    if (!isObject(fc) || fc['type'] !== 'FeatureCollection' || !Array.isArray(fc['features'])) {
      throw new Error(`${where}: expected a GeoJSON FeatureCollection with a "features" array`);
    }
    const districts: District[] = [];
    const seen = new Set<string>();
    fc['features'].forEach((feature: unknown, i: number) => {
      const props = isObject(feature) ? feature['properties'] : undefined;
      const name = isObject(props) ? props['name'] : undefined;
      const label = `feature #${i}${typeof name === 'string' ? ` (${name})` : ''}`;
      // Declared with its type so that TypeScript knows calls to it do not return.
      const fail: Fail = (msg) => { throw new Error(`${where}: ${label}: ${msg}`); };

      if (!isObject(feature) || feature['type'] !== 'Feature') fail('expected a GeoJSON Feature');
      if (typeof name !== 'string' || name.trim() === '') fail('properties.name must be a non-empty string (the district name)');
      if (seen.has(name)) fail(`duplicate district name "${name}": locate() could not tell them apart`);
      seen.add(name);

      const g = feature['geometry'];
      if (!isObject(g)) fail('missing geometry');
      let polygons: FlatPolygon[];
      if (g['type'] === 'Polygon') {
        polygons = [flattenPolygon(g['coordinates'], 'coordinates', fail)];
      } else if (g['type'] === 'MultiPolygon') {
        const coords = g['coordinates'];
        if (!Array.isArray(coords) || coords.length === 0) fail('MultiPolygon coordinates must be a non-empty array of polygons');
        polygons = coords.map((poly: unknown, p: number) => flattenPolygon(poly, `coordinates[${p}]`, fail));
      } else {
        fail(`geometry.type must be Polygon or MultiPolygon, got ${JSON.stringify(g['type'])}`);
      }
      const c = isObject(props) ? props['center'] : undefined;
      const center: Position | null = Array.isArray(c) && c.length === 2 && c.every((v) => typeof v === 'number' && Number.isFinite(v)) ? [c[0] as number, c[1] as number] : null;
      districts.push(makeDistrict(name, polygons, center));
    });
    return new DistrictIndex(districts);
  }

  /**
   * Name of the district containing (lng, lat), or null when outside every district.
   * Points exactly on a shared border go to one of the two districts (even-odd rule); which
   * one is arbitrary but stable.
   */
  locate(lng: number, lat: number): string | null {
    const districts = this.districts;
    for (let d = 0; d < districts.length; d++) {
      const district = districts[d]!;
      if (lng < district.minX || lng > district.maxX || lat < district.minY || lat > district.maxY) continue;
      const polygons = district.polygons;
      for (let p = 0; p < polygons.length; p++) {
        if (polygonContains(polygons[p]!, lng, lat)) return district.name;
      }
    }
    return null;
  }

  /** District names in file order. */
  names(): string[] {
    return this.districts.map((d) => d.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Bounding box of a district; throws for an unknown name (check with `has`). */
  bbox(name: string): BBox {
    const d = this.get(name);
    return [d.minX, d.minY, d.maxX, d.maxY];
  }

  /**
   * Approximate area in km² (exterior minus holes), used to weight simulated traffic.
   * Each ring is projected equirectangularly around its own mean latitude; for
   * district-sized rings the error is well under 1 %.
   */
  area(name: string): number {
    return this.get(name).areaKm2;
  }

  /**
   * A point that `locate` places in this district: the file's label point when it does, else
   * the inside point of a 48×48 grid over the district's box nearest the box's middle. For
   * labels, and for a place chosen by district when GPS fails (the party app's manual fallback).
   */
  labelPoint(name: string): Position {
    const d = this.get(name);
    if (d.center && this.locate(d.center[0], d.center[1]) === name) return d.center;
    const N = 48;
    const cx = (d.minX + d.maxX) / 2, cy = (d.minY + d.maxY) / 2;
    const sx = (d.maxX - d.minX) / N, sy = (d.maxY - d.minY) / N;
    let best: Position | null = null;
    let bestD = Infinity;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const x = d.minX + (i + 0.5) * sx, y = d.minY + (j + 0.5) * sy;
        const dist = (x - cx) ** 2 + (y - cy) ** 2;
        if (dist < bestD && this.locate(x, y) === name) [best, bestD] = [[x, y], dist];
      }
    }
    if (!best) throw new Error(`district "${name}" is too small or too overlapped to find a point inside it`);
    return best;
  }

  /**
   * The district's centre of area: the shoelace centroid in degrees, holes subtracted. Planar
   * degrees are fine at district size; used for where a place lies as seen from the middle of
   * the city (the service points' 东西南北 regions), not in the hot path.
   */
  centroid(name: string): Position {
    let a = 0, cx = 0, cy = 0;
    for (const poly of this.get(name).polygons) {
      poly.rings.forEach((ring, r) => {
        const sign = r === 0 ? 1 : -1;
        let ra = 0, rx = 0, ry = 0;
        for (let i = 0, j = ring.length - 2; i < ring.length; j = i, i += 2) {
          const cross = ring[j]! * ring[i + 1]! - ring[i]! * ring[j + 1]!;
          ra += cross; rx += (ring[j]! + ring[i]!) * cross; ry += (ring[j + 1]! + ring[i + 1]!) * cross;
        }
        // Each ring by its own orientation's sign, so a clockwise exterior counts as much as a counter-clockwise one.
        const s = sign * Math.sign(ra);
        a += s * ra; cx += s * rx; cy += s * ry;
      });
    }
    return [cx / (3 * a), cy / (3 * a)];
  }

  private get(name: string): District {
    const d = this.byName.get(name);
    if (!d) throw new Error(`unknown district "${name}" (known: ${this.names().join(', ')})`);
    return d;
  }
}

/** Bounding-box prefilter, then inside the exterior and not inside any hole. */
function polygonContains(poly: FlatPolygon, x: number, y: number): boolean {
  if (x < poly.minX || x > poly.maxX || y < poly.minY || y > poly.maxY) return false;
  const rings = poly.rings;
  if (!ringContains(rings[0]!, x, y)) return false;
  for (let r = 1; r < rings.length; r++) {
    if (ringContains(rings[r]!, x, y)) return false;
  }
  return true;
}

/**
 * Even-odd ray casting (W. R. Franklin's PNPOLY): count crossings of a ray going east from
 * (x, y). Works whether or not the ring repeats its first point (the repeat is a zero-length edge).
 */
function ringContains(ring: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const xi = ring[i]!, yi = ring[i + 1]!, xj = ring[j]!, yj = ring[j + 1]!;
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

type Fail = (msg: string) => never;

function flattenPolygon(poly: unknown, path: string, fail: Fail): FlatPolygon {
  if (!Array.isArray(poly) || poly.length === 0) fail(`${path} must be a non-empty array of rings`);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const rings = poly.map((ring: unknown, r: number) => {
    const at = `${path}[${r}]`;
    if (!Array.isArray(ring) || ring.length < 3) fail(`${at} must be a ring of at least 3 [lng, lat] positions`);
    const flat = new Float64Array(ring.length * 2);
    ring.forEach((pos: unknown, k: number) => {
      const lng: unknown = Array.isArray(pos) ? pos[0] : undefined;
      const lat: unknown = Array.isArray(pos) ? pos[1] : undefined;
      if (typeof lng !== 'number' || typeof lat !== 'number' || !Number.isFinite(lng) || !Number.isFinite(lat)
        || lng < -180 || lng > 180 || lat < -90 || lat > 90) {
        fail(`${at}[${k}] must be a [lng, lat] pair of degrees, got ${JSON.stringify(pos)}`);
      }
      flat[2 * k] = lng;
      flat[2 * k + 1] = lat;
      // Holes lie inside the exterior, so taking every ring gives the exterior's box anyway.
      if (lng < minX) minX = lng;
      if (lng > maxX) maxX = lng;
      if (lat < minY) minY = lat;
      if (lat > maxY) maxY = lat;
    });
    return flat;
  });
  return { minX, minY, maxX, maxY, rings };
}

function makeDistrict(name: string, polygons: FlatPolygon[], center: Position | null): District {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, areaKm2 = 0;
  for (const p of polygons) {
    minX = Math.min(minX, p.minX); minY = Math.min(minY, p.minY);
    maxX = Math.max(maxX, p.maxX); maxY = Math.max(maxY, p.maxY);
    p.rings.forEach((ring, r) => { areaKm2 += (r === 0 ? 1 : -1) * ringAreaKm2(ring); });
  }
  return { name, minX, minY, maxX, maxY, polygons, areaKm2, center };
}

/**
 * Shoelace area of a ring after an equirectangular projection centred on the ring's mean
 * latitude. Coordinates are taken relative to the first vertex so the products stay small.
 */
function ringAreaKm2(ring: Float64Array): number {
  const n = ring.length;
  let latSum = 0;
  for (let i = 1; i < n; i += 2) latSum += ring[i]!;
  const kx = EARTH_RADIUS_KM * DEG * Math.cos((latSum / (n / 2)) * DEG);
  const ky = EARTH_RADIUS_KM * DEG;
  const x0 = ring[0]!, y0 = ring[1]!;
  let twice = 0;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    twice += (ring[j]! - x0) * (ring[i + 1]! - y0) - (ring[i]! - x0) * (ring[j + 1]! - y0);
  }
  return (Math.abs(twice) / 2) * kx * ky;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
