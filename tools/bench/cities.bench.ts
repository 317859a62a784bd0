/**
 * `npm run bench:cities`: what the shipped city profiles cost at start-up. Each measurement runs
 * in a fresh Node process (so RSS is that process's alone):
 *   profiles   loadCities() on every cities/*.yaml: YAML, schema, boundary files, examples;
 *              then the same from a cold process (module imports and schema compilation too)
 *   server     the whole server as `npm start` builds it (fresh PGlite, demo seed, plugins,
 *              analytics as configured; video off: its workers are not the cities' cost), with
 *              every profile, with only the four live cities (KUAICHU_TENANTS), and with
 *              analytics off (KUAICHU_ANALYTICS=off: the embedded ClickHouse is most of the RSS),
 *              and on the production parts (PostgreSQL and a ClickHouse server, as deploy/ runs
 *              it: the stores' memory is then theirs, not the server process's)
 * Goals (issue 17): profiles < 1 s, whole server < 600 MB RSS. Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const FOUR = 'harbin,kunming,nantong,yancheng';
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

interface Figures { what: string; cities: number; drafts: number; ms: number; rssMb: number; heapMb: number }

async function child(kind: string): Promise<Figures> {
  const started = performance.now();
  if (kind === 'profiles' || kind === 'profiles-cold') {
    // Cold: from the first import (modules, schemas) to every profile compiled; warm: loadCities alone.
    const { loadCities } = await import('@kuaichu/core/profile');
    const { schemaRegistry } = await import('@kuaichu/core/schemas');
    schemaRegistry().validator('city-profile.schema.json');
    const loading = performance.now();
    const { cities, rejected } = loadCities();
    if (rejected.length) throw new Error(`${rejected.length} profiles rejected: run kuaichu validate`);
    const ms = performance.now() - (kind === 'profiles' ? loading : started);
    return figures(kind === 'profiles' ? 'profiles: loadCities()' : 'profiles: imports + schemas + loadCities', cities.map((c) => c.profile.status ?? 'active'), ms);
  }
  const { startCore } = await import('@kuaichu/core/server');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kuaichu-bench-cities-'));
  const databaseUrl = process.env.DATABASE_URL;
  const core = await startCore({ dataDir, logger: false, ...(databaseUrl ? { databaseUrl } : {}), env: { ...process.env, KUAICHU_DEMO_PASSWORD: 'bench-cities' } }); // no media: as KUAICHU_MEDIA=off
  const ms = performance.now() - started;
  const label = databaseUrl ? 'every profile, on PostgreSQL + ClickHouse' : process.env.KUAICHU_TENANTS ? 'the 4 live cities only' : process.env.KUAICHU_ANALYTICS === 'off' ? 'every profile, analytics off' : 'every profile';
  const out = figures(`server: ${label}`, core.ctx.cities.all().map((c) => c.profile.status ?? 'active'), ms);
  await core.close();
  rmSync(dataDir, { recursive: true, force: true });
  return out;
}

function figures(what: string, statuses: string[], ms: number): Figures {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { what, cities: statuses.length, drafts: statuses.filter((s) => s === 'draft').length, ms: Math.round(ms), rssMb: mb(m.rss), heapMb: mb(m.heapUsed) };
}

function run(kind: string, env: NodeJS.ProcessEnv = {}): Figures {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, kind], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${kind} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Figures;
}

/** The server on PostgreSQL and Debian's ClickHouse server (both throwaway), as the production topology runs it. */
async function onProductionParts(): Promise<Figures> {
  const { startPostgres } = await import('@kuaichu/testkit/postgres');
  const { startClickHouse } = await import('../../plugins/analytics-clickhouse/test/support/clickhouseServer.ts');
  const [pg, ch] = await Promise.all([startPostgres(), startClickHouse()]);
  try {
    return run('server', { DATABASE_URL: pg.url, CLICKHOUSE_URL: ch.url });
  } finally {
    await Promise.all([pg.stop(), ch.stop()]);
  }
}

const kind = process.argv[2];
if (kind) {
  console.log(JSON.stringify(await child(kind)));
  process.exit(0);
}
const rows = [run('profiles'), run('profiles-cold'), run('server'), run('server', { KUAICHU_TENANTS: FOUR }), run('server', { KUAICHU_ANALYTICS: 'off' }), await onProductionParts()];
console.log('what                                       cities  drafts      time      RSS    heap');
for (const r of rows) console.log(`${r.what.padEnd(42)} ${String(r.cities).padStart(6)}  ${String(r.drafts).padStart(6)}  ${`${r.ms} ms`.padStart(8)}  ${`${r.rssMb} MB`.padStart(7)}  ${`${r.heapMb} MB`.padStart(6)}`);
console.log('goals: profiles < 1000 ms; whole server < 600 MB RSS');
