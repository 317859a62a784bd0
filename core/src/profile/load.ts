/**
 * Loads every city profile of a folder. A rejected profile takes nothing with it: the other
 * cities still load, and the caller decides whether a rejection is fatal (the CLI exits 1,
 * the server logs it and serves the rest).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CompiledCity } from '../policy/city.ts';
import type { DistrictIndex } from '../policy/geofence.ts';
import { citiesDir as defaultCitiesDir, relativeToRepo } from '../paths.ts';
import { compileParsed, compileProfile, type CompileOptions } from './compile.ts';
import { fastParse } from './fastParse.ts';
import type { Problem } from './problems.ts';

export interface Rejected {
  file: string;
  problems: Problem[];
}

export interface LoadResult {
  cities: CompiledCity[];
  rejected: Rejected[];
}

/** The profile files of a folder: `*.yaml`, sorted. */
export function profileFiles(dir = defaultCitiesDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => path.join(dir, f));
}

export function loadProfiles(files: readonly string[], opts: CompileOptions = {}): LoadResult {
  const boundaryCache = opts.boundaryCache ?? new Map<string, DistrictIndex>();
  const cities: CompiledCity[] = [];
  const rejected: Rejected[] = [];
  const byTenant = new Map<string, string>();
  for (const full of files) {
    const file = relativeToRepo(full);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (err) {
      rejected.push({ file, problems: [{ file, line: 1, col: 1, path: '(file)', message: `cannot read: ${(err as Error).message}` }] });
      continue;
    }
    const options = { ...opts, citiesDir: opts.citiesDir ?? path.dirname(full), boundaryCache };
    // The fast reading when the file is flawless; otherwise the full one, with line:col (fastParse.ts).
    const parsed = fastParse(text);
    const result = (parsed !== undefined ? compileParsed(parsed, file, options) : null) ?? compileProfile(text, file, options);
    if (!result.ok) {
      rejected.push({ file, problems: result.problems });
      continue;
    }
    // One city, one file named after its tenant: `cities/harbin.yaml` holds tenant harbin.
    const expected = `${result.city.tenant}.yaml`;
    if (path.basename(full) !== expected) {
      rejected.push({ file, problems: [{ file, line: 1, col: 1, path: 'tenant', message: `the profile of tenant "${result.city.tenant}" must be named ${expected}` }] });
      continue;
    }
    const owner = byTenant.get(result.city.tenant);
    if (owner) {
      rejected.push({ file, problems: [{ file, line: 1, col: 1, path: 'tenant', message: `tenant "${result.city.tenant}" is already defined by ${owner}` }] });
      continue;
    }
    byTenant.set(result.city.tenant, file);
    cities.push(result.city);
  }
  return { cities, rejected };
}

export function loadCities(dir = defaultCitiesDir, opts: CompileOptions = {}): LoadResult {
  return loadProfiles(profileFiles(dir), { ...opts, citiesDir: dir });
}
