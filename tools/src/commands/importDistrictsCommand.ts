/** `kuaichu import-districts [tenants…]`: boundary files for the profiles that name an `area.source`. */
import { relativeToRepo } from '@kuaichu/core/paths';
import type { Io } from '../io.ts';
import { parseFlags } from '../args.ts';
import { importDistricts } from './importDistricts.ts';

export async function importDistrictsCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseFlags(args, {}, true);
  const done = await importDistricts({ ...(positionals.length ? { tenants: positionals } : {}), log: io.out });
  for (const d of done) io.out(`${d.tenant}: ${relativeToRepo(d.file)} — ${d.districts.length} districts: ${d.districts.join(' ')}`);
  if (positionals.length && done.length < positionals.length) {
    const missing = positionals.filter((t) => !done.some((d) => d.tenant === t));
    io.err(`no profile with area.source for: ${missing.join(', ')}`);
    return 1;
  }
  return 0;
}
