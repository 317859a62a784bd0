/**
 * `kuaichu staffing --city kunming --arrivals-per-hour 12 --aht 5m --target 80/20`: seats per
 * hour by Erlang C, with expected speed of answer and occupancy, printed at once. With
 * `--simulate`, beside the formula's service level the one the simulator measures for the same
 * inputs through the API (minutes: see staffing/plan.ts), with its progress on stderr.
 *
 * Arrivals: one rate for every hour the service is open, limited with `--hours 7-19`, or 24
 * rates by local hour (`--arrivals-per-hour 1,1,0.5,…`). Target: share/seconds (80/20 = 80 %
 * within 20 s); default the city's `targets` (answerShare, answerWithinSeconds).
 */
import type { Io } from '../io.ts';
import { number, parseFlags, UsageError } from '../args.ts';
import { parseDuration } from '../simulate/random.ts';
import { findCity } from '../simulate/index.ts';
import { staffingPlan, type StaffingPlan } from '../staffing/plan.ts';

export async function staffingCommand(args: string[], io: Io): Promise<number> {
  const { values: f } = parseFlags(args, {
    city: { type: 'string' },
    'arrivals-per-hour': { type: 'string' },
    hours: { type: 'string' },
    aht: { type: 'string' },
    target: { type: 'string' },
    simulate: { type: 'boolean' },
    'sim-cases': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!f.city) throw new UsageError('--city is required');
  if (!f['arrivals-per-hour']) throw new UsageError('--arrivals-per-hour is required (one rate, or 24 comma-separated rates by local hour)');
  let city;
  try {
    city = findCity(f.city);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const arrivals = parseArrivals(f['arrivals-per-hour'], f.hours);
  const ahtSeconds = duration('aht', f.aht ?? `${city.profile.targets?.handlingMinutes ?? 5}m`);
  const target = f.target ? parseTarget(f.target) : { share: city.profile.targets?.answerShare ?? 0.8, seconds: city.profile.targets?.answerWithinSeconds ?? 30 };
  if (!f.simulate && (f['sim-cases'] !== undefined || f.seed !== undefined)) throw new UsageError(`${f['sim-cases'] !== undefined ? '--sim-cases' : '--seed'} sizes the simulation: add --simulate`);
  const simCases = f.simulate ? (number('sim-cases', f['sim-cases']) ?? 250) : 0;
  if (!(simCases >= 0) || !Number.isInteger(simCases)) throw new UsageError(`--sim-cases: a whole number of calls ≥ 0, not "${f['sim-cases']}"`);
  const progress = progressBar(io);
  const plan = await staffingPlan({
    city: f.city, arrivalsPerHour: arrivals, ahtSeconds, target, simCases, seed: number('seed', f.seed) ?? 1, log: (l) => io.err(l),
    onProgress: progress,
  });
  if (plan.simulation) progress(1);
  if (f.json) io.out(JSON.stringify(plan, null, 2));
  else io.out(table(plan, ahtSeconds, target));
  return 0;
}

/** A bar on stderr for each further tenth of the simulated period (stdout stays the answer alone). */
function progressBar(io: Io): (done: number) => void {
  const t0 = performance.now();
  let shown = 0;
  return (done) => {
    const tenths = Math.floor(done * 10 + 1e-9);
    if (tenths <= shown) return;
    shown = tenths;
    io.err(`  [${'#'.repeat(tenths).padEnd(10, '.')}] ${tenths * 10} % of the period simulated, ${((performance.now() - t0) / 1000).toFixed(0)} s elapsed`);
  };
}

function parseArrivals(text: string, hours: string | undefined): number[] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.some((x) => !(x >= 0) || !Number.isFinite(x))) throw new UsageError(`--arrivals-per-hour: numbers ≥ 0, not "${text}"`);
  if (parts.length === 24) {
    if (hours) throw new UsageError('give --hours with one rate, not with 24');
    return parts;
  }
  if (parts.length !== 1) throw new UsageError(`--arrivals-per-hour: one rate or 24 (one per local hour), not ${parts.length}`);
  const m = hours ? /^(\d{1,2})-(\d{1,2})$/.exec(hours) : ['', '0', '24'];
  if (!m || +m[1]! > 23 || +m[2]! > 24 || +m[1]! >= +m[2]!) throw new UsageError(`--hours: from-to in whole local hours, such as 7-19, not "${hours}"`);
  return Array.from({ length: 24 }, (_, h) => (h >= +m[1]! && h < +m[2]! ? parts[0]! : 0));
}

function parseTarget(text: string): { share: number; seconds: number } {
  const m = /^(\d{1,2}(?:\.\d+)?)\/(\d+)$/.exec(text);
  if (!m || !(+m[1]! > 0) || !(+m[2]! > 0)) throw new UsageError(`--target: percent/seconds, such as 80/20, not "${text}"`);
  return { share: +m[1]! / 100, seconds: +m[2]! };
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
const secs = (x: number | null | undefined) => (x === null || x === undefined ? '—' : Number.isFinite(x) ? `${x.toFixed(1)} s` : '∞');
const hh = (h: number) => String(h).padStart(2, '0');

function table(plan: StaffingPlan, aht: number, target: { share: number; seconds: number }): string {
  const sim = plan.simulation;
  // The simulated columns only when there was a simulation: no column of dashes.
  const head = ['hours', 'calls/h', 'load', 'seats', 'P(wait)', 'SL formula', ...(sim ? ['SL simulated'] : []), 'ASA formula', ...(sim ? ['ASA sim'] : []), 'occupancy'];
  const rows = plan.rows.map((r) => [
    `${hh(r.from)}–${hh(r.to)}`, r.arrivalsPerHour.toFixed(1), `${r.formula.erlangs.toFixed(2)} E`, String(r.formula.seats),
    pct(r.formula.probabilityOfWaiting), pct(r.formula.serviceLevel),
    ...(sim ? [r.simulated ? `${pct(r.simulated.serviceLevel)}${r.simulated.standardError !== null ? ` ± ${(r.simulated.standardError * 100).toFixed(1)}` : ''} (n=${r.simulated.calls})` : '—'] : []),
    secs(r.formula.asaSeconds), ...(sim ? [r.simulated ? secs(r.simulated.asaSeconds) : '—'] : []), pct(r.formula.occupancy),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    `${plan.city}: AHT ${aht} s, target ${Math.round(target.share * 100)} % answered within ${target.seconds} s — Erlang C (M/M/N), ${plan.seatHours} seat-hours a day`,
    '',
    line(head),
    ...rows.map(line),
    '',
    sim
      ? `simulated: ${sim.calls} calls over ${sim.days} day(s) through the API (Poisson arrivals, exponential handling, callers who wait, one queue), ${sim.wallSeconds.toFixed(1)} s, ${sim.requests} requests; ± is one standard error (batch means): more calls with --sim-cases`
      : 'Erlang C only. To measure the same plan through the API (a simulated day or more, minutes), add --simulate [--sim-cases 250]',
  ].join('\n');
}
