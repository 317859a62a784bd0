/** `kuaichu gen [--check]`: regenerate the types, or (with --check) fail when they are stale. */
import { relativeToRepo } from '@kuaichu/core/paths';
import type { Io } from '../io.ts';
import { parseFlags } from '../args.ts';
import { staleGeneratedFiles, writeGeneratedTypes } from './gen.ts';

export async function genCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, { check: { type: 'boolean' } });
  if (values.check) {
    const stale = await staleGeneratedFiles();
    for (const f of stale) io.err(`stale: ${f} (run \`npm run gen\`)`);
    if (!stale.length) io.out('generated types are up to date');
    return stale.length ? 1 : 0;
  }
  const written = await writeGeneratedTypes();
  io.out(written.length ? written.map((f) => `wrote ${relativeToRepo(f)}`).join('\n') : 'generated types were already up to date');
  return 0;
}
