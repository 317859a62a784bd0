/**
 * `npm run bench:cluster`: the production topology on this machine (e2e/support/cluster.ts:
 * PostgreSQL, librdkafka's mock Kafka, ClickHouse 18.16, three server processes, nginx with
 * deploy/nginx's config). Prints figures; asserts nothing.
 *
 * 1. Intake through the balancer with 1, 2 and 3 processes behind it, side by side: an nginx
 *    each over the first 1, 2, 3 processes, the same load (autocannon: new reports, each with
 *    its own client key, each from a party of its own: a party with a case open is refused a
 *    second one, so one session per request, BENCH_PARTIES of them made beforehand) for
 *    BENCH_SECONDS each. These nginx run without the per-address flood limit (deploy/nginx: 50 r/s
 *    per client address), which the one-address load generator would otherwise measure.
 * 2. Calls across processes: BENCH_CALLS calls one after the other, each reported and answered
 *    through the balancer; the seat opens the case's media socket through nginx and joins
 *    (router capabilities, join). Which process hosts each room (their /metrics) and the join time.
 * 3. The determination PDF: render time of one document (median, p90 of BENCH_PDFS) on this
 *    process, i.e. what a request no longer waits for inside its transaction since issue 15.
 *
 * 4. Whole-year dashboard queries on the cluster's ClickHouse 18.16: bench:analytics run as a
 *    child process against a database of its own on that server (BENCH_CLICKHOUSE_URL):
 *    BENCH_YEAR_CASES synthetic cases of five cities over a year, each query timed from the
 *    facts and through the daily rollup, with the check that both answer the same.
 *
 * BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_CALLS (default 12), BENCH_PDFS (default 20),
 * BENCH_YEAR_CASES (default 10,000,000; 0 skips part 4).
 */
import autocannon from 'autocannon';
import { openPostgres, createSession } from '@kuaichu/core/harness';
import { renderDeterminationPdf } from '../../core/src/documents/determinationPdf.ts';
import { startCluster } from '../../e2e/support/cluster.ts';
import { Api } from '../../e2e/support/api.ts';
import { at } from '../../e2e/support/day.ts';
import { PLACES } from '@kuaichu/testkit/places';
import { sample } from '../../core/test/support/determinationSample.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const CALLS = Number(process.env.BENCH_CALLS ?? 12);
const PDFS = Number(process.env.BENCH_PDFS ?? 20);
const YEAR_CASES = Number(process.env.BENCH_YEAR_CASES ?? 10_000_000);
/** Signed-in parties, one per intake request (more than 3 runs × BENCH_SECONDS can send on this machine). */
const PARTIES = Number(process.env.BENCH_PARTIES ?? 30_000);
/**
 * The cities the intake load reports in, in turn. A city's case numbers come from one counter row
 * (gapless per city and year), so one city's reports commit one at a time: with one city the
 * figure is PostgreSQL's commit latency, not the processes (BENCH_INTAKE_CITIES=harbin shows it).
 */
const INTAKE_CITIES = (process.env.BENCH_INTAKE_CITIES ?? 'harbin,kunming,nantong,yancheng').split(',').map((c) => c.trim()) as Array<keyof typeof PLACES>;
const cityOf = (k: number) => INTAKE_CITIES[k % INTAKE_CITIES.length]!;
/** A point in one of the city's districts (each report its own, in turn). */
function placeOf(k: number): readonly [number, number] {
  const points = Object.values(PLACES[cityOf(k)]);
  return points[Math.floor(k / INTAKE_CITIES.length) % points.length]!;
}

/** The `ws` client (fastify's WebSocket server's own package; a socket with headers, which Node 20's global has not). */
interface WsClient {
  on(event: 'message', l: (raw: Buffer) => void): void;
  once(event: 'open', l: () => void): void;
  once(event: 'error', l: (err: Error) => void): void;
  once(event: 'close', l: (code: number) => void): void;
  send(data: string): void;
  close(): void;
}
const WebSocket = ((await import('ws' as string)) as { default: new (url: string, opts: { headers: Record<string, string> }) => WsClient }).default;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

console.error('bench:cluster — starting PostgreSQL, the mock Kafka, ClickHouse, three processes and nginx …');
const cluster = await startCluster({ processes: 3 });
try {
  const api = new Api(cluster.url);
  const db = await openPostgres(cluster.pg.url);
  const now = new Date(at('10:00'));
  // Party k reports in INTAKE_CITIES[k % n] (party 0, the calls' parties, in Harbin).
  const tokens: string[] = [];
  for (let p = 0; p < PARTIES; p += 100) {
    const batch = Array.from({ length: Math.min(100, PARTIES - p) }, (_, q) => createSession(db, now, { tenant: cityOf(p + q), partyPhone: `135${String(p + q).padStart(8, '0')}` }));
    for (const s of await Promise.all(batch)) tokens.push(s.token);
  }
  await db.close();

  // 2. Calls across processes (first, while the queue is empty: the seat is rung with its brigade's
  // oldest case): one after the other, a case reported at 道里区 is answered by its seat, the seat
  // joins the room through the balancer, the process hosting it is read from each /metrics, and
  // the call ends (escalated) before the next.
  const joins: number[] = [];
  const hosts = [0, 0, 0];
  const seat = await api.staffToken('harbin', 'seat-daoli');
  for (let k = 0; k < CALLS; k++) {
    await api.call('POST', '/api/seat/status', { status: 'available' }, seat);
    const c = await api.call<{ id: string }>('POST', '/api/cases', { clientKey: `bench-call-${process.pid}-${k}`, report: { location: { lng: 126.617, lat: 45.773 }, kind: 'motor_motor' } }, tokens[k * INTAKE_CITIES.length]!);
    // The queue's beat (any process) rings the seat; answering starts the call.
    for (let tries = 0; ; tries++) {
      try {
        await api.call('POST', `/api/cases/${c.id}/answer`, undefined, seat);
        break;
      } catch (err) {
        if (tries > 150) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const { ms, close } = await joinThroughBalancer(cluster.url, c.id, seat);
    joins.push(ms);
    const rooms = await Promise.all(cluster.processes.map(async (_, p) => roomsOf(await cluster.scrape(p))));
    const host = rooms.findIndex((n) => n > 0);
    if (host >= 0) hosts[host]!++;
    await api.call('POST', `/api/cases/${c.id}/escalate`, { reason: 'bench:cluster' }, seat);
    close();
    for (let w = 0; w < 100 && (await Promise.all(cluster.processes.map(async (_, p) => roomsOf(await cluster.scrape(p))))).some((n) => n > 0); w++) await new Promise((r) => setTimeout(r, 100));
  }

  // 1. Intake through the balancer, 1, 2 and 3 processes behind it.
  const rows: Array<{ n: number; ok: number; rps: number; p50: number; p99: number; non2xx: number; errors: number; perProcess: number[] }> = [];
  let i = CALLS * INTAKE_CITIES.length; // the calls' parties (Harbin's first CALLS) have a case open
  for (const n of [1, 2, 3]) {
    // The load comes from one address: nginx's per-address flood limit (50 r/s) would be all it measured.
    const url = await cluster.balancer([0, 1, 2].slice(0, n), { floodLimit: false });
    const before = await Promise.all(cluster.processes.map(async (_, k) => intakeCount(await cluster.scrape(k))));
    const r = await autocannon({
      url: `${url}/api/cases`, connections: CONNECTIONS, duration: SECONDS, method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [{
        method: 'POST',
        setupRequest: (req) => {
          const k = i++;
          const [lng, lat] = placeOf(k);
          const body = JSON.stringify({ clientKey: `bench-cluster-${process.pid}-${k}`, report: { location: { lng, lat }, kind: 'motor_motor' } });
          // Past the last party a request reuses one (and is refused: a case is open): counted in non-2xx.
          return { ...req, body, headers: { ...req.headers, authorization: `Bearer ${tokens[k % tokens.length]}` } };
        },
      }],
    });
    const after = await Promise.all(cluster.processes.map(async (_, k) => intakeCount(await cluster.scrape(k))));
    rows.push({ n, ok: r['2xx'] / SECONDS, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, perProcess: after.map((a, k) => a - before[k]!) });
    console.error(`  ${n} process(es): ${Math.round(r.requests.average)} reports/s`);
  }

  // 3. The determination PDF, rendered on this process.
  const pdfMs: number[] = [];
  await renderDeterminationPdf(sample()); // the font loads once
  for (let k = 0; k < PDFS; k++) {
    const t = performance.now();
    await renderDeterminationPdf(sample());
    pdfMs.push(performance.now() - t);
  }

  // 4. The whole year on the cluster's ClickHouse server, in a database of its own.
  let year = '';
  if (YEAR_CASES > 0) {
    console.error(`  4. bench:analytics on the cluster's ClickHouse (${YEAR_CASES.toLocaleString('en')} cases) …`);
    const made = await fetch(`${cluster.clickhouse.url}/`, { method: 'POST', body: 'CREATE DATABASE IF NOT EXISTS bench_year' });
    if (!made.ok) throw new Error(`ClickHouse: ${made.status} ${await made.text()}`);
    year = await analyticsBench({ ...process.env, BENCH_CLICKHOUSE_URL: `${cluster.clickhouse.url}/bench_year`, BENCH_CASES: String(YEAR_CASES), BENCH_SINK_CASES: String(Math.min(YEAR_CASES, Number(process.env.BENCH_SINK_CASES ?? 1_000_000))) });
  }

  console.log(`\nbench:cluster — nginx (deploy/nginx) in front of kuaichu processes on PostgreSQL, mock Kafka, ClickHouse 18.16; ${SECONDS} s each, ${CONNECTIONS} connections, Node ${process.version}, everything (load generator too) on this machine's ${(await import('node:os')).availableParallelism()} cores`);
  console.log(`\n  intake through the balancer (POST /api/cases, a new report each, from its own party, in ${INTAKE_CITIES.join(', ')} in turn: ${i} of ${PARTIES} parties used; nginx without its per-address flood limit)`);
  console.log('  processes   requests/s   accepted (2xx)/s   p50 ms   p99 ms   non-2xx   errors   taken by each process');
  for (const r of rows) console.log(`  ${String(r.n).padStart(9)} ${Math.round(r.rps).toString().padStart(12)} ${Math.round(r.ok).toString().padStart(18)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.non2xx).padStart(9)} ${String(r.errors).padStart(8)}   ${r.perProcess.join(' / ')}`);
  console.log(`\n  calls across processes: ${CALLS} calls answered and joined through the balancer, hosted by process 1/2/3: ${hosts.join(' / ')} (consistent hash on the case id)`);
  console.log(`  seat's media join through nginx (socket open → joined): median ${pct(joins, 0.5).toFixed(0)} ms, max ${Math.max(...joins).toFixed(0)} ms`);
  console.log(`\n  determination PDF render (outside the issuing transaction): median ${pct(pdfMs, 0.5).toFixed(0)} ms, p90 ${pct(pdfMs, 0.9).toFixed(0)} ms of ${PDFS}`);
  if (year) console.log(`\n  whole-year dashboard queries on the cluster's ClickHouse (bench:analytics against it):\n${year.replace(/^.*\r/gm, '').split('\n').map((l) => `  ${l}`).join('\n')}`);
} finally {
  await cluster.stop();
}

/** bench:analytics as a child process (its own heap; progress lines to our stderr): its stdout. */
async function analyticsBench(env: NodeJS.ProcessEnv): Promise<string> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./analytics.bench.ts', import.meta.url).pathname], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += String(b)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench:analytics on the cluster's ClickHouse exited with ${code}:\n${out.slice(-2000)}`);
  return out.trim();
}

/** Reports a process answered with 201, from its own /metrics (the HTTP histogram's count for POST /api/cases). */
function intakeCount(metrics: string): number {
  return [...metrics.matchAll(/^kuaichu_http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)]
    .filter((m) => m[1]!.includes('method="POST"') && m[1]!.includes('route="/api/cases"') && m[1]!.includes('status="201"'))
    .reduce((n, m) => n + Number(m[2]), 0);
}

function roomsOf(metrics: string): number {
  return [...metrics.matchAll(/^kuaichu_media_worker_rooms\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** The seat's signalling through nginx: open the case's media socket, ask the router's capabilities, join. Milliseconds. */
async function joinThroughBalancer(base: string, caseId: string, token: string): Promise<{ ms: number; close(): void }> {
  const started = performance.now();
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/cases/${caseId}/media`, { headers: { authorization: `Bearer ${token}`, origin: base } });
  let next = 1;
  const pending = new Map<number, (f: { ok: boolean; data: unknown; error?: { code: string } }) => void>();
  ws.on('message', (raw) => {
    const f = JSON.parse(raw.toString()) as { kind: string; id: number; ok: boolean; data: unknown; method: string };
    if (f.kind === 'response') pending.get(f.id)?.(f);
    else if (f.kind === 'request') ws.send(JSON.stringify({ kind: 'response', id: f.id, ok: false, error: { code: 'KC_CLIENT', message: 'bench client takes no media' } }));
  });
  const request = (method: string, data: unknown) => new Promise<unknown>((resolve, reject) => {
    const id = next++;
    pending.set(id, (f) => (f.ok ? resolve(f.data) : reject(new Error(`${method}: ${JSON.stringify(f.error)}`))));
    ws.send(JSON.stringify({ kind: 'request', id, method, data }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`media socket closed: ${code}`)));
  });
  const { rtpCapabilities } = (await request('getRouterRtpCapabilities', {})) as { rtpCapabilities: unknown };
  await request('join', { rtpCapabilities, device: 'bench:cluster' });
  return { ms: performance.now() - started, close: () => ws.close() };
}
