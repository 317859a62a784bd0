/**
 * `simulate()`: a city's accidents over days, driven through the real HTTP API and event path
 * (never written into ClickHouse directly), as a library for `kuaichu simulate`, `kuaichu
 * staffing` and the tests. Without a URL it starts its own server on a data folder and
 * leaves the data there: `KUAICHU_DATA_DIR=<folder> npm start` then shows the figures.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCities } from '@kuaichu/core/profile';
import { localMidnightUtc, toLocal } from '@kuaichu/core/policy';
import type { CompiledCity } from '@kuaichu/core/policy';
import type { AnalyticsMetrics } from '@kuaichu/core/generated/types.ts';
import { Api, ApiError } from './http.ts';
import { Population } from './population.ts';
import { rosterOf, type Roster } from './roster.ts';
import { inProcessTarget, remoteTarget, type Target } from './target.ts';
import { worldOf, type WorldOptions } from './world.ts';
import { runEngine, type Counts } from './engine.ts';

export { parseDistribution, parseDuration, type Distribution } from './random.ts';
export { worldOf, URBAN_HOURLY_SHAPE, DEFAULT_PEAK_PER_HOUR } from './world.ts';

export interface SimulateOptions extends WorldOptions {
  city: string;
  /** Length of the simulated period (default 1 day). */
  days?: number;
  /** End of the period (default: the start of today in the city's time zone, so whole days); start = end − days. */
  end?: Date;
  start?: Date;
  seed?: number;
  /** Seats per brigade on duty (one number, or 24 by local hour); default: Erlang C per brigade and hour. */
  seats?: number | readonly number[];
  /** An explicit roster (seats[brigade][hour]); wins over `seats`. */
  roster?: Roster;
  /** A running server started with KUAICHU_CLOCK=manual; otherwise one is started in-process. */
  url?: string;
  /** The in-process server's data folder (default: a new temp folder). */
  dataDir?: string;
  /** Port of the in-process server (default: any free one). */
  port?: number;
  /** The in-process server feeds analytics (default true). */
  analytics?: boolean;
  /** The demo staff password (KUAICHU_DEMO_PASSWORD of the server; in-process: chosen here). */
  password?: string;
  /** Simulated seconds per real second (a live demo); default: as fast as possible. */
  speed?: number;
  /** Stops the run between two events (a bench's wall-clock limit). */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** How much of the period is simulated (0–1), as the simulated clock moves. */
  onProgress?: (done: number) => void;
}

export interface SimulateResult {
  tenant: string;
  start: string;
  end: string;
  baseUrl: string;
  dataDir: string | null;
  /** The demo staff's password (the in-process server's staff were made with it). */
  password: string;
  counts: Omit<Counts, 'waits' | 'handling'>;
  /** Answered within the city's target / (answered + abandoned). */
  serviceLevel: number | null;
  targetSeconds: number;
  asaSeconds: number | null;
  ahtSeconds: number | null;
  waits: Counts['waits'];
  /** Seats on duty per local hour, summed over brigades. */
  seatsByHour: number[];
  /** The same period as the analysts' API reports it (null when the server's analytics is off). */
  analytics: AnalyticsMetrics | null;
  wallSeconds: number;
  requests: number;
  /** Wall time by route (ms), slowest total first. */
  timings: Array<{ route: string; n: number; meanMs: number; totalMs: number }>;
}

export async function simulate(opts: SimulateOptions): Promise<SimulateResult> {
  const log = opts.log ?? (() => {});
  const city = findCity(opts.city);
  const days = opts.days ?? 1;
  const end = opts.end ?? (opts.start ? new Date(opts.start.getTime() + days * 86_400_000) : startOfToday(city.profile.timezone));
  const start = opts.start ?? new Date(end.getTime() - days * 86_400_000);
  if (!(end > start)) throw new RangeError('the period is empty');
  const world = worldOf(city, opts);
  const openHours = openHoursOf(city);
  const roster = opts.roster ?? rosterOf(world, openHours, opts.seats);
  const password = opts.password ?? process.env.KUAICHU_DEMO_PASSWORD ?? 'kuaichu-simulator';
  const dataDir = opts.url ? null : path.resolve(opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'kuaichu-sim-')));
  const target: Target = opts.url
    ? await remoteTarget(opts.url, start)
    : await inProcessTarget({ tenant: city.tenant, start, dataDir: dataDir!, password, ...(opts.port !== undefined ? { port: opts.port } : {}), analytics: opts.analytics ?? true });
  // The engine sets the server's clock at every event: how far it is, is how far the period is.
  const progress = opts.onProgress;
  const driven: Target = progress
    ? {
      ...target,
      async setTime(ms) {
        await target.setTime(ms);
        progress(Math.min(1, (ms - start.getTime()) / (end.getTime() - start.getTime())));
      },
    }
    : target;
  try {
    const api = new Api(target.baseUrl, password, () => target.now());
    log(`simulating ${city.tenant} from ${start.toISOString()} to ${end.toISOString()} through ${target.baseUrl}${dataDir ? ` (data: ${dataDir})` : ''}`);
    const t0 = performance.now();
    const counts = await runEngine({
      world, roster, target: driven, api, population: new Population(city.tenant), start: start.getTime(), end: end.getTime(), seed: opts.seed ?? 1,
      ...(opts.speed ? { speed: opts.speed } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onDay: (d, c) => log(`  day ${d}: ${c.reports} reports, ${c.answered} answered, ${c.abandoned} abandoned, ${c.served} served (${((performance.now() - t0) / 1000).toFixed(1)} s)`),
    });
    await target.drain();
    const wallSeconds = (performance.now() - t0) / 1000;
    const analytics = await metricsOf(api, city.tenant, start, end);
    const { waits, handling, ...rest } = counts;
    const mean = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
    const offered = counts.answered + counts.abandoned;
    return {
      tenant: city.tenant, start: start.toISOString(), end: end.toISOString(), baseUrl: target.baseUrl, dataDir, password,
      counts: rest,
      serviceLevel: offered ? round(counts.answeredInTarget / offered, 6) : null,
      targetSeconds: city.profile.targets?.answerWithinSeconds ?? 30,
      asaSeconds: mean(waits.map((w) => w.seconds)),
      ahtSeconds: mean(handling),
      waits,
      analytics,
      seatsByHour: Array.from({ length: 24 }, (_, h) => [...roster.values()].reduce((s, hours) => s + hours[h]!, 0)),
      wallSeconds: round(wallSeconds),
      requests: api.requests,
      timings: [...api.timings].map(([route, t]) => ({ route, n: t.n, meanMs: round(t.ms / t.n, 1), totalMs: Math.round(t.ms) })).sort((a, b) => b.totalMs - a.totalMs),
    };
  } finally {
    await target.close();
  }
}

/** What the dashboards will show for the period: GET /api/analytics/metrics as the city's analyst. */
async function metricsOf(api: Api, tenant: string, start: Date, end: Date): Promise<AnalyticsMetrics | null> {
  const q = new URLSearchParams({ from: start.toISOString(), to: end.toISOString() });
  try {
    return await api.request<AnalyticsMetrics>('GET', `/api/analytics/metrics?${q}`, { token: await api.staff(tenant, 'analyst') });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'KC_ANALYTICS_OFF') return null;
    throw err;
  }
}

export function findCity(tenant: string): CompiledCity {
  const { cities, rejected } = loadCities();
  const city = cities.find((c) => c.tenant === tenant);
  if (!city) {
    const bad = rejected.find((r) => r.file.endsWith(`/${tenant}.yaml`));
    throw new RangeError(bad ? `the profile of ${tenant} is invalid (kuaichu validate)` : `no city "${tenant}" (cities: ${cities.map((c) => c.tenant).join(', ')})`);
  }
  return city;
}

/** Whether the service is open at each local hour (on a Monday; profiles here do not vary by day). */
export function openHoursOf(city: CompiledCity): boolean[] {
  return Array.from({ length: 24 }, (_, h) => city.hours.isOpen({ ...toLocal(new Date(Date.UTC(2026, 5, 1, 0)), city.profile.timezone), minute: h * 60 + 30, weekday: 'mon' }));
}

function startOfToday(timeZone: string): Date {
  return localMidnightUtc(toLocal(new Date(), timeZone), timeZone);
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
