/**
 * `kuaichu init-city <city> [--tenant id] [--source text]… [--dev] [--force] [--out dir]`: a draft profile from the
 * national template, into cities/ (or --out: <dir>/<tenant>.yaml and <dir>/geo/, for a look before it goes into cities/).
 */
import path from 'node:path';
import { relativeToRepo } from '@kuaichu/core/paths';
import type { Io } from '../io.ts';
import { parseFlags, UsageError } from '../args.ts';
import { initCity, InitCityError } from '../initCity/initCity.ts';

export async function initCityCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    tenant: { type: 'string' }, source: { type: 'string', multiple: true }, dev: { type: 'boolean' }, force: { type: 'boolean' }, out: { type: 'string' },
  }, true);
  if (positionals.length !== 1) throw new UsageError('init-city takes one city: its Chinese name (无锡) or pinyin (wuxi)');
  try {
    const r = await initCity(positionals[0]!, {
      ...(values.tenant ? { tenant: values.tenant } : {}), ...(values.source ? { sources: values.source } : {}), dev: values.dev ?? false, force: values.force ?? false,
      ...(values.out ? { citiesDir: path.resolve(values.out) } : {}),
    });
    io.out(`${relativeToRepo(r.file)}: draft for ${r.tenant}, ${r.districts.length} districts served (${r.districts.join(' ')})`);
    if (r.leftOut.length) io.out(`  left out of the map: ${r.leftOut.join(' ')}`);
    io.out(`${relativeToRepo(r.geoFile)}: boundaries imported`);
    io.out('next: check every rule against the bureau\'s notice, name the integrations, `npx kuaichu validate`, then publish it with `status: active` (README, "A new city")');
    return 0;
  } catch (err) {
    if (err instanceof InitCityError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}
