/**
 * Decoding ECharts' map data (pure, no I/O): the compressed coordinates of its map files, exactly
 * as ECharts' own `decodePolygon` does (apache/echarts, src/coord/geo/parseGeoJson.ts), into
 * deterministic GeoJSON (features sorted by adcode, 6 decimals, rings closed, one feature a line).
 */
import type { DistrictCollection, DistrictFeature, DistrictGeometry, Position, Ring } from '@kuaichu/core/policy';

/** ECharts' default quantisation: coordinates are stored as integers of 1/1024 degree. */
const DEFAULT_UTF8_SCALE = 1024;

// ---------------------------------------------------------------------------------------
// Decoding (pure)
// ---------------------------------------------------------------------------------------

/**
 * ECharts' `decodePolygon`: each coordinate pair is two UTF-16 code units; minus 64, then
 * zig-zag decoded, is the delta from the previous point (the first from `offsets`), in
 * units of 1/scale degree.
 */
export function decodeEChartsRing(encoded: string, offsets: readonly [number, number], scale = DEFAULT_UTF8_SCALE): Position[] {
  if (encoded.length % 2 !== 0) throw new Error(`encoded ring has an odd length (${encoded.length})`);
  const out: Position[] = [];
  let prevX = offsets[0];
  let prevY = offsets[1];
  for (let i = 0; i < encoded.length; i += 2) {
    let x = encoded.charCodeAt(i) - 64;
    let y = encoded.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    x += prevX;
    y += prevY;
    prevX = x;
    prevY = y;
    out.push([x / scale, y / scale]);
  }
  return out;
}

/**
 * The FeatureCollection literal passed to `registerMap(` in an ECharts map file, parsed as
 * JSON without executing anything. The object is found by matching braces outside string
 * literals (the encoded coordinates contain `{` and `}` characters).
 */
export function extractRegisterMapObject(text: string, file = 'map file'): { mapName: string; json: unknown } {
  const call = text.indexOf('registerMap(');
  if (call < 0) throw new Error(`${file}: no registerMap( call found`);
  let i = call + 'registerMap('.length;
  const skipSpace = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };

  skipSpace();
  const quote = text[i];
  if (quote !== '"' && quote !== "'") throw new Error(`${file}: registerMap's first argument is not a string literal`);
  const nameEnd = endOfString(text, i);
  const mapName = text.slice(i + 1, nameEnd - 1);
  i = nameEnd;
  skipSpace();
  if (text[i] !== ',') throw new Error(`${file}: expected "," after the map name in registerMap(`);
  i++;
  skipSpace();
  if (text[i] !== '{') throw new Error(`${file}: registerMap's second argument is not an object literal`);

  const start = i;
  let depth = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") { i = endOfString(text, i); continue; }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) break;
    i++;
  }
  if (depth !== 0) throw new Error(`${file}: unbalanced braces in registerMap's object literal`);
  const literal = text.slice(start, i + 1);
  try {
    return { mapName, json: JSON.parse(literal) };
  } catch (err) {
    throw new Error(`${file}: registerMap's object literal is not JSON: ${(err as Error).message}`);
  }
}

/** Index just past the string literal opening at `start` (backslash escapes honoured). */
function endOfString(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i + 1;
  }
  throw new Error('unterminated string literal');
}

/**
 * An ECharts map file's text → a standard GeoJSON FeatureCollection with properties
 * `{ name, adcode, center }`, features sorted by adcode, coordinates rounded to 6 decimals
 * (≈ 0.1 m; the source's resolution is 1/1024° ≈ 100 m anyway) and every ring closed.
 */
export function decodeEChartsMap(text: string, file = 'map file'): { mapName: string; collection: DistrictCollection } {
  const { mapName, json } = extractRegisterMapObject(text, file);
  return { mapName, collection: decodeEChartsCollection(json, file) };
}

/**
 * The FeatureCollection itself (as registered with ECharts, or as the package's geojson/ files
 * hold it, with or without `UTF8Encoding`) → standard GeoJSON, as decodeEChartsMap.
 */
export function decodeEChartsCollection(json: unknown, file = 'map file', opts: { skipEmpty?: boolean } = {}): DistrictCollection {
  if (!isObject(json) || json['type'] !== 'FeatureCollection' || !Array.isArray(json['features'])) {
    throw new Error(`${file}: registerMap's object is not a FeatureCollection`);
  }
  const encoded = json['UTF8Encoding'] === true;
  const scale = typeof json['UTF8Scale'] === 'number' ? json['UTF8Scale'] : DEFAULT_UTF8_SCALE;

  const decoded = json['features'].map((f: unknown, i: number): DistrictFeature | null => {
    const props = isObject(f) && isObject(f['properties']) ? f['properties'] : {};
    const where = `${file}: feature #${i}${typeof props['name'] === 'string' ? ` (${props['name']})` : ''}`;
    if (!isObject(f) || !isObject(f['geometry'])) throw new Error(`${where}: missing geometry`);
    if (typeof props['name'] !== 'string' || props['name'] === '') throw new Error(`${where}: missing properties.name`);
    const properties: DistrictFeature['properties'] = { name: props['name'] };
    if (f['id'] !== undefined) properties.adcode = String(f['id']);
    const cp = props['cp'];
    if (Array.isArray(cp) && typeof cp[0] === 'number' && typeof cp[1] === 'number') properties.center = [round6(cp[0]), round6(cp[1])];
    try {
      return { type: 'Feature', properties, geometry: decodeGeometry(f['geometry'], encoded, scale) };
    } catch (err) {
      // A shape missing from the data (Tianjin's 蓟州区) is left for the package's fix file to supply.
      if (opts.skipEmpty && err instanceof NoAreaError) return null;
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  });
  const features = decoded.filter((f): f is DistrictFeature => f !== null);
  features.sort((a, b) => compare(a.properties.adcode ?? '', b.properties.adcode ?? '') || compare(a.properties.name, b.properties.name));
  return { type: 'FeatureCollection', features };
}

function decodeGeometry(g: Record<string, unknown>, encoded: boolean, scale: number): DistrictGeometry {
  const coords = g['coordinates'];
  const offsets = g['encodeOffsets'];
  if (!Array.isArray(coords)) throw new Error('geometry.coordinates is not an array');
  if (encoded && !Array.isArray(offsets)) throw new Error('geometry.encodeOffsets is missing');
  const ring = (r: unknown, off: unknown): Ring => {
    let positions: Position[];
    if (encoded) {
      if (typeof r !== 'string') throw new Error('encoded ring is not a string');
      if (!Array.isArray(off) || typeof off[0] !== 'number' || typeof off[1] !== 'number') throw new Error('bad encodeOffsets entry');
      positions = decodeEChartsRing(r, [off[0], off[1]], scale);
    } else {
      if (!Array.isArray(r)) throw new Error('ring is not an array');
      positions = r.map((p: unknown) => {
        if (!Array.isArray(p) || typeof p[0] !== 'number' || typeof p[1] !== 'number') throw new Error('position is not [lng, lat]');
        return [p[0], p[1]] as Position;
      });
    }
    return closeRing(dropRepeats(positions.map(([x, y]) => [round6(x), round6(y)] as Position)));
  };
  const offsetAt = (...path: number[]): unknown => {
    let v: unknown = offsets;
    for (const k of path) v = Array.isArray(v) ? v[k] : undefined;
    return v;
  };
  // Quantised to 1/1024°, a tiny island or hole can collapse to fewer than 3 distinct points:
  // it has no area, so it is left out (an outer ring takes its holes with it).
  const polygon = (rings: Ring[]): Ring[] => (isArea(rings[0]) ? rings.filter(isArea) : []);
  if (g['type'] === 'Polygon') {
    const rings = polygon(coords.map((r: unknown, i: number) => ring(r, offsetAt(i))));
    if (rings.length === 0) throw new NoAreaError('the polygon has no area');
    return { type: 'Polygon', coordinates: rings };
  }
  if (g['type'] === 'MultiPolygon') {
    const polygons = coords.map((poly: unknown, p: number) => {
      if (!Array.isArray(poly)) throw new Error(`coordinates[${p}] is not an array of rings`);
      return polygon(poly.map((r: unknown, i: number) => ring(r, offsetAt(p, i))));
    }).filter((rings) => rings.length > 0);
    if (polygons.length === 0) throw new NoAreaError('the multipolygon has no area');
    return { type: 'MultiPolygon', coordinates: polygons };
  }
  throw new Error(`unsupported geometry type ${JSON.stringify(g['type'])}`);
}

class NoAreaError extends Error {}

/** A closed ring of at least 3 distinct positions. */
function isArea(ring: Ring | undefined): boolean {
  return ring !== undefined && ring.length >= 4;
}

/** ECharts' data repeats many points (a third of Harbin's); a repeat changes no shape, only size. */
function dropRepeats(ring: Position[]): Position[] {
  return ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1]![0] || p[1] !== ring[i - 1]![1]);
}

/** GeoJSON wants rings closed (first position repeated last); ECharts does not care. */
function closeRing(ring: Position[]): Position[] {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0], first[1]]);
  return ring;
}

function round6(v: number): number {
  const r = Math.round(v * 1e6) / 1e6;
  return r === 0 ? 0 : r; // no "-0" in the output
}

/** Code-unit order, independent of the process's locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Deterministic text: one feature per line, so a diff of a re-import shows which district
 * changed. Member order is fixed by construction (type, source, license, features).
 */
export function serializeCollection(fc: DistrictCollection): string {
  const head: Record<string, unknown> = { type: fc.type };
  if (fc.source !== undefined) head['source'] = fc.source;
  if (fc.license !== undefined) head['license'] = fc.license;
  const headText = JSON.stringify(head).slice(0, -1);
  return `${headText},"features":[\n${fc.features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
