/**
 * `npm run bench:soak`: the simulator's city at BENCH_SOAK_FACTOR × its peak for
 * BENCH_SOAK_MINUTES of wall time, against a real server process (issue 16). Prints figures;
 * asserts nothing, but exits 1 when the simulator met an error it does not expect.
 *
 * The server is `core/src/main.ts` as a child process on the production parts: PostgreSQL
 * (@kuaichu/testkit/postgres) and Debian's ClickHouse server, both throwaway; files in a temp
 * folder; the in-process bus; live video off (the simulator uploads the seat's photos and clips,
 * it opens no media socket). Its clock is the test clock (KUAICHU_CLOCK=manual), which the
 * simulator sets at every event (`kuaichu simulate --url`), so the remote simulator's rules hold:
 * one seat per brigade (the demo seats), and the queue moves on the server's own one-second timer.
 *
 * Traffic: the simulator's model (tools/src/simulate) for BENCH_SOAK_CITY (default kunming),
 * arrivals at FACTOR × the simulator's peak hour (URBAN_HOURLY_SHAPE's busiest hour ×
 * DEFAULT_PEAK_PER_HOUR: 2 reports/h, so 20/h at 10×), held constant, starting at the city's
 * busiest open hour; the whole flow where the simulator does it (SMS sign-in, report, queue,
 * answer, checklist with photos, clips and registry checks, leave notice, determination with
 * its PDF, claims, reviews). BENCH_SOAK_SPEED is simulated seconds per real second: 1 (default)
 * is real time, i.e. literally FACTOR × peak; 0 runs the simulated city as fast as the server
 * answers (a much heavier load; the wall-clock rate is printed).
 *
 * Every minute: requests finished in it (the simulator's; its clock settings are counted apart),
 * p50/p99/max latency, errors (answers ≥ 400 other than the refusals the simulator expects,
 * and failed connections), the server's RSS (/proc/<pid>/status VmRSS), its V8 heap and its
 * event-loop delay p99 over the minute (prom-client's nodejs_eventloop_lag_p99_seconds on
 * /metrics, whose histogram is reset at each scrape; nothing else scrapes it here). And the live
 * heap: the server runs with --inspect on loopback and, each minute, the bench asks V8 for a full
 * garbage collection and then the heap's used size (Chrome DevTools Protocol:
 * HeapProfiler.collectGarbage, Runtime.getHeapUsage) — what is still reachable, the figure a leak
 * grows; the heap figure from /metrics includes garbage not yet collected, and RSS includes what
 * the allocator keeps. BENCH_SOAK_LIVE_HEAP=0 runs without the inspector. With
 * BENCH_SOAK_SNAPSHOTS=1, a heap snapshot after minute 5 (past the warm-up) and one at the end
 * are compared: the kinds of object that grew most, by count and bytes (tools/bench/inspector.ts).
 * At the end: least-squares slopes of RSS, heap, live heap and p99 per 10 minutes.
 *
 * The inspector's client is Node's WebSocket, behind a flag on Node 20 (`npm run bench:soak`
 * passes --experimental-websocket).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { localMidnightUtc, toLocal } from '@kuaichu/core/policy';
import { startPostgres } from '@kuaichu/testkit/postgres';
import { freePort } from '@kuaichu/testkit/net';
import { until } from '@kuaichu/testkit/until';
import { startClickHouse } from '../../plugins/analytics-clickhouse/test/support/clickhouseServer.ts';
import { heapGrowth, Inspector, type HeapKind } from './inspector.ts';
import { DEFAULT_PEAK_PER_HOUR, URBAN_HOURLY_SHAPE, findCity, openHoursOf, simulate, type SimulateResult } from '../src/simulate/index.ts';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const FACTOR = Number(process.env.BENCH_SOAK_FACTOR ?? 10);
const SPEED = Number(process.env.BENCH_SOAK_SPEED ?? 1);
const CITY = process.env.BENCH_SOAK_CITY ?? 'kunming';
const SEED = Number(process.env.BENCH_SOAK_SEED ?? 1);
const LIVE_HEAP = process.env.BENCH_SOAK_LIVE_HEAP !== '0' && typeof WebSocket === 'function';
const SNAPSHOTS = LIVE_HEAP && process.env.BENCH_SOAK_SNAPSHOTS === '1';
if (!(MINUTES >= 1) || !(FACTOR > 0) || !(SPEED >= 0)) {
  console.error('bench:soak: BENCH_SOAK_MINUTES ≥ 1, BENCH_SOAK_FACTOR > 0 and BENCH_SOAK_SPEED ≥ 0 (0 = as fast as the server answers)');
  process.exit(2);
}
const PASSWORD = 'kuaichu-soak';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Refusals the simulator catches and goes on from (tools/src/simulate: backOffice.ts, index.ts). */
const EXPECTED_REFUSALS = new Set(['KC_REVIEW_WINDOW_CLOSED', 'KC_ANALYTICS_OFF']);

// The city's busiest open hour, on a Monday of the registry fixtures' month (June 2026).
const city = findCity(CITY);
const open = openHoursOf(city);
const peakHour = [...URBAN_HOURLY_SHAPE.keys()].filter((h) => open[h]).sort((a, b) => URBAN_HOURLY_SHAPE[b]! - URBAN_HOURLY_SHAPE[a]! || a - b)[0];
if (peakHour === undefined) throw new Error(`${CITY} is never open`);
const peakPerHour = DEFAULT_PEAK_PER_HOUR * Math.max(...URBAN_HOURLY_SHAPE);
const rate = FACTOR * peakPerHour;
const start = new Date(localMidnightUtc(toLocal(new Date('2026-06-01T12:00:00Z'), city.profile.timezone), city.profile.timezone).getTime() + peakHour * 3_600_000);

// Every request the simulator makes, timed to its last byte.
interface Sample { doneAt: number; ms: number; status: number; code: string; route: string }
const samples: Sample[] = [];
let clockSets = 0;
let lastClock = '';
let reports = 0;
const unexpected = new Map<string, number>();
const realFetch = globalThis.fetch;
let baseUrl = '';
globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
  const url = String(input instanceof Request ? input.url : input);
  if (!baseUrl || !url.startsWith(baseUrl)) return realFetch(input, init);
  const method = init?.method ?? 'GET';
  const route = `${method} ${url.slice(baseUrl.length).split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id').replace(/\/(cities)\/[a-z]+\//, '/$1/:tenant/').replace(/\/\d{11}\b/, '/:phone')}`;
  const t0 = performance.now();
  let r: Response;
  let body: ArrayBuffer;
  try {
    r = await realFetch(input, init);
    body = await r.arrayBuffer();
  } catch (err) {
    samples.push({ doneAt: Date.now(), ms: performance.now() - t0, status: 0, code: (err as Error).message, route });
    unexpected.set(`${route} → connection: ${(err as Error).message}`, (unexpected.get(`${route} → connection: ${(err as Error).message}`) ?? 0) + 1);
    throw err;
  }
  const ms = performance.now() - t0;
  let code = '';
  if (r.status >= 400) {
    try {
      code = (JSON.parse(Buffer.from(body).toString()) as { error?: { code?: string } }).error?.code ?? '';
    } catch {
      code = '';
    }
  }
  if (route === 'PUT /api/test/clock') {
    clockSets++;
    lastClock = (JSON.parse(String(init?.body)) as { at: string }).at;
  }
  else {
    samples.push({ doneAt: Date.now(), ms, status: r.status, code, route });
    if (route === 'POST /api/cases' && r.status < 300) reports++;
    if (r.status >= 400 && !EXPECTED_REFUSALS.has(code)) {
      const key = `${route} → ${r.status} ${code}`;
      unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
    }
  }
  return new Response(r.status === 204 || r.status === 304 ? null : body, { status: r.status, statusText: r.statusText, headers: r.headers });
};

console.error(`bench:soak — ${CITY}, ${rate} reports/h (${FACTOR} × the simulator's peak ${peakPerHour}/h), ${SPEED ? `${SPEED} simulated s per real s` : 'as fast as the server answers'}, ${MINUTES} min; starting PostgreSQL, ClickHouse and the server …`);
const [pg, ch] = await Promise.all([startPostgres(), startClickHouse()]);
const dataDir = mkdtempSync(path.join(tmpdir(), 'kuaichu-soak-'));
const port = await freePort();
const inspectPort = await freePort();
const env: NodeJS.ProcessEnv = {
  ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: pg.url, CLICKHOUSE_URL: ch.url, KUAICHU_DATA_DIR: dataDir,
  KUAICHU_MEDIA: 'off', KUAICHU_CLOCK: 'manual', KUAICHU_CLOCK_START: start.toISOString(), KUAICHU_RATE_LIMITS: 'off',
  KUAICHU_DEMO_PASSWORD: PASSWORD, KUAICHU_DRAIN_SECONDS: '0', LOG_LEVEL: 'warn',
};
delete env.NODE_ENV;
const server = spawn(process.execPath, [...(LIVE_HEAP ? [`--inspect=127.0.0.1:${inspectPort}`] : []), '--import', 'tsx', path.join(repoRoot, 'core/src/main.ts')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
const serverErrors: string[] = [];
const keep = (b: Buffer) => {
  for (const line of String(b).split('\n')) if (/"level":(50|60)/.test(line)) serverErrors.push(line.slice(0, 400));
};
server.stdout!.on('data', keep);
server.stderr!.on('data', keep);
const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
const orphan = () => server.kill('SIGKILL');
process.once('exit', orphan);

interface Row { minute: number; requests: number; p50: number; p99: number; max: number; errors: number; rssMb: number; heapMb: number; liveHeapMb: number; loopP99Ms: number; reports: number }
const rows: Row[] = [];
let result: SimulateResult | null = null;
let firstSnapshot: Promise<Map<string, HeapKind>> | null = null;
let growth: ReturnType<typeof heapGrowth> | null = null;
/** One inspector session per question (each minute's, a snapshot's): nothing stays connected between them. */
const withInspector = async <T>(ask: (i: Inspector) => Promise<T>): Promise<T> => {
  const i = await Inspector.connect(inspectPort);
  try {
    return await ask(i);
  } finally {
    i.close();
  }
};
let failure: Error | null = null;
try {
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (server.exitCode !== null) throw new Error(`the server exited while starting:\n${serverErrors.slice(-5).join('\n')}`);
    try {
      return (await realFetch(`${url}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, 'the server answers /readyz', { hangGuardMs: 180_000 });
  baseUrl = url;
  // A first scrape resets the event-loop histogram: minute 1 starts clean.
  await scrape(url);

  if (!LIVE_HEAP) console.error('(live heap not measured: BENCH_SOAK_LIVE_HEAP=0, or no WebSocket — run with node --experimental-websocket)');
  console.log('minute  requests   req/s   p50 ms   p99 ms   max ms  errors  RSS MB  heap MB  live MB  loop p99 ms  reports');
  const t0 = Date.now();
  let from = 0;
  const everyMinute = setInterval(() => {
    void (async () => {
      const minute = rows.length + 1;
      const upTo = t0 + minute * 60_000;
      const inMinute = samples.slice(from).filter((s) => s.doneAt <= upTo);
      from += inMinute.length;
      const ms = inMinute.map((s) => s.ms).sort((a, b) => a - b);
      const errors = inMinute.filter((s) => s.status === 0 || (s.status >= 400 && !EXPECTED_REFUSALS.has(s.code))).length;
      const m = await scrape(url);
      const liveHeapMb = LIVE_HEAP ? await withInspector((i) => i.liveHeapMb()).catch(() => NaN) : NaN;
      if (SNAPSHOTS && minute === 5) firstSnapshot = withInspector((i) => i.heapKinds());
      const row: Row = {
        minute, requests: ms.length, p50: pct(ms, 0.5), p99: pct(ms, 0.99), max: ms.at(-1) ?? NaN, errors,
        rssMb: rssMb(server.pid!), heapMb: (m.get('kuaichu_nodejs_heap_size_used_bytes') ?? NaN) / 2 ** 20, liveHeapMb,
        loopP99Ms: (m.get('kuaichu_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000, reports,
      };
      rows.push(row);
      console.log(`${String(minute).padStart(6)}  ${String(row.requests).padStart(8)}  ${(row.requests / 60).toFixed(2).padStart(6)}  ${f1(row.p50).padStart(7)}  ${f1(row.p99).padStart(7)}  ${f1(row.max).padStart(7)}  ${String(errors).padStart(6)}  ${f1(row.rssMb).padStart(6)}  ${f1(row.heapMb).padStart(7)}  ${f1(row.liveHeapMb).padStart(7)}  ${f1(row.loopP99Ms).padStart(11)}  ${String(reports).padStart(7)}`);
    })().catch((err: Error) => console.error(`minute ${rows.length + 1}: ${err.message}`));
  }, 60_000);
  const stop = AbortSignal.timeout(MINUTES * 60_000 + 2_000);
  try {
    // A simulated period longer than the run (as fast as possible: a year); the wall clock ends it.
    const simulatedMinutes = SPEED ? MINUTES * SPEED + 60 : 365 * 24 * 60;
    result = await simulate({
      city: CITY, url, password: PASSWORD, start, days: simulatedMinutes / 1440, arrivalsPerHour: rate, seats: 1, seed: SEED,
      ...(SPEED ? { speed: SPEED } : {}), signal: stop,
    });
  } catch (err) {
    failure = err as Error;
  }
  // The last whole minute is printed before the figures.
  await until(() => rows.length >= Math.min(MINUTES, Math.floor((Date.now() - t0) / 60_000)), 'the last minute is printed', { hangGuardMs: 70_000 });
  clearInterval(everyMinute);
  if (firstSnapshot) growth = heapGrowth(await firstSnapshot, await withInspector((i) => i.heapKinds()));
} finally {
  server.kill('SIGTERM');
  await exited;
  process.off('exit', orphan);
  await Promise.all([pg.stop(), ch.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
}

const all = samples.map((s) => s.ms).sort((a, b) => a - b);
console.log(`\n${CITY} at ${FACTOR} × peak (${rate} reports/h simulated${SPEED ? `, ${SPEED}× real time` : ', as fast as the server answers'}), ${rows.length} min on PostgreSQL + ClickHouse 18.16:`);
console.log(`  requests ${samples.length} (${(samples.length / Math.max(1, rows.length * 60)).toFixed(2)}/s) + ${clockSets} clock settings; reports ${reports} (${(reports / Math.max(1, rows.length) * 60).toFixed(0)} per wall-clock hour); p50 ${f1(pct(all, 0.5))} ms, p99 ${f1(pct(all, 0.99))} ms, max ${f1(all.at(-1) ?? NaN)} ms`);
if (result) console.log(`  simulator: ${result.counts.reports} reports, ${result.counts.answered} answered, ${result.counts.served} served, ${result.counts.claims} claims, ${result.counts.abandoned} abandoned, ${result.counts.escalated} escalated; simulated ${result.start} → ${lastClock}`);
const byRoute = new Map<string, number[]>();
for (const s of samples) byRoute.set(s.route, [...(byRoute.get(s.route) ?? []), s.ms]);
const slowest = [...byRoute].map(([route, xs]) => ({ route, n: xs.length, p99: pct(xs.sort((a, b) => a - b), 0.99), max: xs.at(-1)! })).sort((a, b) => b.max - a.max).slice(0, 5);
console.log(`  slowest routes (max): ${slowest.map((r) => `${r.route} n=${r.n} p99 ${f1(r.p99)} max ${f1(r.max)} ms`).join('; ')}`);
console.log(`  errors: ${[...unexpected.values()].reduce((a, b) => a + b, 0)}${unexpected.size ? ` — ${[...unexpected].map(([k, n]) => `${k} × ${n}`).join('; ')}` : ''}; server log errors: ${serverErrors.length}`);
for (const line of serverErrors.slice(0, 5)) console.log(`    ${line}`);
const tail = rows.slice(Math.min(2, Math.max(0, rows.length - 3)));
const slopes = (rs: Row[]) => `RSS ${sgn(slope(rs, (r) => r.rssMb))} MB, heap ${sgn(slope(rs, (r) => r.heapMb))} MB, live heap ${sgn(slope(rs, (r) => r.liveHeapMb))} MB, p99 ${sgn(slope(rs, (r) => r.p99))} ms, loop p99 ${sgn(slope(rs, (r) => r.loopP99Ms))} ms`;
console.log(`  slope per 10 min (least squares), all ${rows.length} minutes: ${slopes(rows)}`);
if (tail.length >= 3 && tail.length < rows.length) console.log(`  slope per 10 min from minute ${tail[0]!.minute} (after warm-up): ${slopes(tail)}`);
console.log(`  RSS min ${f1(Math.min(...rows.map((r) => r.rssMb)))} / max ${f1(Math.max(...rows.map((r) => r.rssMb)))} MB; live heap min ${f1(Math.min(...rows.map((r) => r.liveHeapMb)))} / max ${f1(Math.max(...rows.map((r) => r.liveHeapMb)))} MB`);
if (growth) {
  console.log('  heap snapshots, minute 5 → the end: the kinds that grew most (live objects only)');
  for (const g of growth) console.log(`    ${(g.bytesDelta / 1024).toFixed(0).padStart(8)} KB ${String(g.countDelta >= 0 ? `+${g.countDelta}` : g.countDelta).padStart(8)} objects  ${g.type} ${g.name.slice(0, 60)}  (now ${g.count} objects, ${(g.bytes / 1024).toFixed(0)} KB)`);
}
if (failure) {
  console.error(`\nthe simulator stopped on an error: ${failure.stack ?? failure.message}`);
  process.exit(1);
}
process.exit(0);

async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await realFetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? ([0-9.eE+-]+|NaN)$/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

/** Least-squares slope of y against the minute, per 10 minutes. */
function slope(rs: Row[], y: (r: Row) => number): number {
  const pts = rs.map((r) => [r.minute, y(r)] as const).filter(([, v]) => Number.isFinite(v));
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
  const my = pts.reduce((s, [, v]) => s + v, 0) / pts.length;
  const sxy = pts.reduce((s, [x, v]) => s + (x - mx) * (v - my), 0);
  const sxx = pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return (sxy / sxx) * 10;
}

function f1(x: number): string {
  return Number.isFinite(x) ? x.toFixed(1) : '-';
}

function sgn(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : '-';
}
