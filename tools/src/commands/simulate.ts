/**
 * `kuaichu simulate --city kunming --days 30 [--rate 2] [--seed 1] [--url …] [--speed 60]`:
 * a city's accidents through the real API and event path (simulate/). Without --url a server
 * is started in-process on --data-dir (default ./data/sim-<city>) and the data stays there:
 * `KUAICHU_DATA_DIR=data/sim-kunming npm start` then serves the dashboards on it. The demo
 * staff of that folder sign in with the simulator's password (--password, else
 * KUAICHU_DEMO_PASSWORD, else "kuaichu-simulator").
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@kuaichu/core/paths';
import type { Io } from '../io.ts';
import { number, parseFlags, UsageError } from '../args.ts';
import { parseDistribution, simulate, type SimulateResult } from '../simulate/index.ts';

export async function simulateCommand(args: string[], io: Io): Promise<number> {
  const { values: f } = parseFlags(args, {
    city: { type: 'string' },
    days: { type: 'string' },
    end: { type: 'string' },
    rate: { type: 'string' },
    'arrivals-per-hour': { type: 'string' },
    seats: { type: 'string' },
    aht: { type: 'string' },
    patience: { type: 'string' },
    determination: { type: 'string' },
    seed: { type: 'string' },
    url: { type: 'string' },
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    speed: { type: 'string' },
    password: { type: 'string' },
    append: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!f.city) throw new UsageError('--city is required');
  if (f.url && f['data-dir']) throw new UsageError('--data-dir is for the in-process server; a --url server has its own');
  const days = number('days', f.days) ?? 1;
  if (!(days > 0)) throw new UsageError('--days must be > 0');
  const end = f.end ? new Date(f.end) : undefined;
  if (end && Number.isNaN(end.getTime())) throw new UsageError(`--end: not a time: ${f.end}`);
  const dataDir = f.url ? null : path.resolve(f['data-dir'] ?? path.join(repoRoot, 'data', `sim-${f.city}`));
  if (dataDir && existsSync(path.join(dataDir, 'pg')) && !f.append) throw new UsageError(`${dataDir} already holds a simulation: remove it, choose another --data-dir, or add to it with --append`);
  const rates = f['arrivals-per-hour']?.split(',').map(Number);
  const seats = f.seats?.split(',').map(Number);
  const dist = (flag: string, v: string | undefined, kind: 'lognormal' | 'exponential') => {
    if (v === undefined) return undefined;
    try {
      return parseDistribution(v, kind);
    } catch (err) {
      throw new UsageError(`--${flag}: ${(err as Error).message}`);
    }
  };
  const handling = dist('aht', f.aht, 'lognormal');
  const patience = f.patience === 'none' ? null : dist('patience', f.patience, 'exponential');
  const determination = dist('determination', f.determination, 'lognormal');
  let r: SimulateResult;
  try {
    r = await simulate({
      city: f.city, days, seed: number('seed', f.seed) ?? 1,
      ...(end ? { end } : {}),
      ...(f.rate ? { peakPerHour: number('rate', f.rate)! } : {}),
      ...(rates ? { arrivalsPerHour: rates.length === 1 ? rates[0]! : rates } : {}),
      ...(seats ? { seats: seats.length === 1 ? seats[0]! : seats } : {}),
      ...(handling ? { handling } : {}),
      ...(patience !== undefined ? { patience } : {}),
      ...(determination ? { determination } : {}),
      ...(f.url ? { url: f.url } : { dataDir: dataDir! }),
      ...(f.port ? { port: number('port', f.port)! } : {}),
      ...(f.speed ? { speed: number('speed', f.speed)! } : {}),
      ...(f.password ? { password: f.password } : {}),
      log: (l) => io.err(l),
    });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  if (f.json) {
    const { waits: _w, ...rest } = r;
    io.out(JSON.stringify(rest, null, 2));
  } else io.out(summary(r));
  return 0;
}

function summary(r: SimulateResult): string {
  const c = r.counts;
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
  const perS = (n: number) => (r.wallSeconds > 0 ? (n / r.wallSeconds).toFixed(1) : '—');
  return [
    `${r.tenant} ${r.start} → ${r.end}`,
    `  reports ${c.reports} (eligible ${c.eligible}, refused ${c.refused})`,
    `  answered ${c.answered}, abandoned ${c.abandoned}, escalated ${c.escalated} (checks failed ${c.checksFailed}), dropped and resumed ${c.dropped}`,
    `  left the scene ${c.evacuated}, determinations served ${c.served}, claims ${c.claims}, reviews ${c.reviews}`,
    `  service level ${pct(r.serviceLevel)} within ${r.targetSeconds} s, ASA ${r.asaSeconds ?? '—'} s, AHT ${r.ahtSeconds ?? '—'} s`,
    ...(r.analytics ? [`  analytics API (what the dashboards show): reports ${r.analytics.total.reports}, answered ${r.analytics.total.answered}, abandoned ${r.analytics.total.abandoned}, service level ${pct(r.analytics.total.serviceLevel)}, AHT ${r.analytics.total.handlingTime.mean ?? '—'} s`] : ['  analytics: off on this server']),
    `  seats on duty by hour: ${r.seatsByHour.join(' ')}`,
    `  ${r.wallSeconds} s wall, ${perS(c.reports)} cases/s, ${r.requests} requests (${perS(r.requests)}/s)`,
    r.dataDir ? `  data: ${r.dataDir}  →  KUAICHU_DATA_DIR=${r.dataDir} npm start  (staff sign in with the simulator's password, ${r.password})` : `  server: ${r.baseUrl}`,
  ].join('\n');
}
