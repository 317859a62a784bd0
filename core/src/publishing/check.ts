/**
 * The checks an uploaded profile passes before it is kept: exactly `kuaichu validate`'s
 * (compileProfile: YAML, schema, meaning, the profile's own examples), plus that it is the
 * profile of the city it is published for. On a production server, activation also needs it to
 * be live-ready (no development driver, every secret it names set): configProblems.ts.
 */
import path from 'node:path';
import { compileProfile, type Problem } from '../profile/index.ts';
import { YamlSource } from '../profile/source.ts';
import type { CompiledCity } from '../policy/city.ts';
import { citiesDir } from '../paths.ts';

export type ProfileCheck = { ok: true; city: CompiledCity; examples: number } | { ok: false; problems: Problem[] };

/** `fileName` is what errors are reported against (the uploaded file's name, as the author knows it). */
export function checkUpload(source: string, fileName: string, tenant: string, opts: { citiesDir?: string } = {}): ProfileCheck {
  const file = path.basename(fileName) === fileName ? fileName : fileName.replace(/\\/g, '/');
  const result = compileProfile(source, file, { citiesDir: opts.citiesDir ?? citiesDir });
  if (!result.ok) return result;
  if (result.city.tenant !== tenant) {
    const { source: yaml } = YamlSource.parse(source);
    const at = yaml.position(['tenant'], {});
    return { ok: false, problems: [{ file, ...at, path: 'tenant', message: `this is the profile of "${result.city.tenant}", published for "${tenant}"`, hint: `publish it for ${result.city.tenant}, or set tenant: ${tenant}` }] };
  }
  return { ok: true, city: result.city, examples: result.city.profile.examples?.length ?? 0 };
}
