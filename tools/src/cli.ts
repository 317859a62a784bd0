/**
 * The `kuaichu` command line. Each command lives in its own module under commands/, listed
 * in commands/index.ts; this file only dispatches. Exit codes: 0 ok, 1 bad input or invalid
 * profile, 3 not eligible.
 */
import { pathToFileURL } from 'node:url';
import { UsageError } from './args.ts';
import { COMMANDS } from './commands/index.ts';
import type { Io } from './io.ts';

export function usage(): string {
  return ['usage: kuaichu <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
}

export async function main(argv: string[], io: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`kuaichu: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`kuaichu ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
