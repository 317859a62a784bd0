/** `kuaichu validate [files…]`: every problem of every profile, then a one-line summary. */
import path from 'node:path';
import { loadProfiles, profileFiles, formatProblem } from '@kuaichu/core/profile';
import type { Io } from '../io.ts';
import { parseFlags } from '../args.ts';

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseFlags(args, {}, true);
  const files = positionals.length ? positionals.map((f) => path.resolve(f)) : profileFiles();
  const { cities, rejected } = loadProfiles(files);
  for (const city of cities) {
    const examples = city.profile.examples?.length ?? 0;
    const draft = city.profile.status === 'draft' ? ', draft: refuses reports until published active' : '';
    io.out(`✔ ${city.file} (${city.tenant}${draft}): valid, ${examples} example${examples === 1 ? '' : 's'} passed`);
  }
  for (const r of rejected) {
    io.err(`✖ ${r.file}: rejected, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
    for (const p of r.problems) io.err(`  ${formatProblem(p)}`);
  }
  io.out(`${cities.length} valid, ${rejected.length} rejected`);
  return rejected.length ? 1 : 0;
}
