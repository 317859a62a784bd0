/**
 * The production topology on one machine, for the cluster spec and `npm run bench:cluster`:
 * PostgreSQL (testkit), librdkafka's mock Kafka cluster, Debian's ClickHouse 18.16 server, coturn
 * (testkit, from deploy/coturn's config; its credentials handed out by the processes), N
 * server processes (core/src/main.ts, as systemd runs them: KUAICHU_MEDIA_ROOMS=on-join, a shared
 * file store, the bus and analytics on those servers) and nginx with deploy/nginx's config,
 * templated with this run's ports. Everything on loopback, removed on stop.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, type TestPostgres } from '@kuaichu/testkit/postgres';
import { freePort } from '@kuaichu/testkit/net';
import { startCoturn, type TestCoturn } from '@kuaichu/testkit/coturn';
import { startMockCluster, type MockCluster } from '@kuaichu/plugin-bus-kafka/test/mock-cluster';
import { startClickHouse, type TestClickHouse } from '../../plugins/analytics-clickhouse/test/support/clickhouseServer.ts';
import { DEMO_PASSWORD, repoRoot } from './server.ts';
import { at } from './day.ts';

export const NGINX = '/usr/sbin/nginx';

export interface AppProcess {
  index: number;
  port: number;
  url: string;
  pid: number;
  /** Resolves with the exit code or signal once the process ended. */
  exited: Promise<string>;
  output(): string;
}

export interface Cluster {
  /** The balancer: what browsers and clients use. */
  url: string;
  processes: AppProcess[];
  pg: TestPostgres;
  kafka: MockCluster;
  clickhouse: TestClickHouse;
  coturn: TestCoturn;
  dataDir: string;
  /**
   * Another nginx (same config) over only these processes (bench:cluster: 1, 2, 3 behind the
   * balancer); stopped with the cluster. `floodLimit: false` drops the per-address flood limit
   * (50 r/s): a load generator on one address would measure that limit, not the processes.
   */
  balancer(indexes: readonly number[], opts?: { floodLimit?: boolean }): Promise<string>;
  /** Sends `signal` to process i (SIGKILL: a node dies; SIGTERM: a graceful stop). */
  signal(i: number, signal: NodeJS.Signals): void;
  /** The process's /metrics (scraped directly, as Prometheus does: loopback, no proxy). */
  scrape(i: number): Promise<string>;
  /** A ClickHouse query's rows (JSON). */
  clickhouseRows<T>(sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** deploy/nginx/kuaichu.conf for this run: plain HTTP on a loopback port, upstreams on the processes' ports. */
export function nginxConfig(dir: string, listen: number, ports: readonly number[], opts: { floodLimit?: boolean } = {}): string {
  const upstreams = readFileSync(path.join(repoRoot, 'deploy/nginx/kuaichu-upstreams.conf'), 'utf8')
    .replace(/^\s*server 127\.0\.0\.1:300\d[^\n]*\n/gm, '')
    .replace(/(upstream kuaichu_app \{\n(?:\s*#[^\n]*\n|\s*least_conn;\n)*)/, (m) => m + ports.map((p) => `    server 127.0.0.1:${p} max_fails=2 fail_timeout=5s;\n`).join(''))
    .replace(/(hash \$kuaichu_case consistent;\n)/, (m) => m + ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;\n`).join(''));
  const site = readFileSync(path.join(repoRoot, 'deploy/nginx/kuaichu.conf'), 'utf8')
    .replace('include /etc/nginx/kuaichu-upstreams.conf;', upstreams)
    // The redirect server (port 80) and TLS are the host's business; the test speaks plain HTTP.
    .replace(/server \{\n\s*listen 80;[\s\S]*?\n\}\n/, '')
    .replace(opts.floodLimit === false ? /^\s*limit_req zone=kuaichu_flood[^\n]*\n/m : /(?!)/, '')
    .replace(/listen 443 ssl http2;[^\n]*\n/, `listen 127.0.0.1:${listen};\n`)
    .replace(/\s*listen \[::\]:443 ssl http2;/, '')
    .replace(/\s*ssl_[a-z_]+ [^\n]*;/g, '')
    // Browsers send the port in Origin; on 443 there is none, here there is one: pass the Host as sent.
    .replaceAll('$host', '$http_host');
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}daemon off;\nmaster_process on;\nworker_processes 1;\nerror_log ${dir}/error.log warn;\npid ${dir}/nginx.pid;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n${site}\n}\n`;
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`a server process exited at start:\n${log().slice(-4000)}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`a server process was not ready in time:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startCluster(opts: { processes?: number; env?: Record<string, string> } = {}): Promise<Cluster> {
  const n = opts.processes ?? 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kuaichu-cluster-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  const closers: Array<() => Promise<unknown>> = [];
  const children: ChildProcess[] = [];
  try {
    const [pg, kafka, clickhouse, coturn] = await Promise.all([startPostgres(), startMockCluster({ brokers: 1, topics: { 'case-events': 3 } }), startClickHouse(), startCoturn()]);
    closers.push(() => pg.stop(), () => kafka.stop(), () => clickhouse.stop(), () => coturn.stop());
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    const balancerPort = await freePort();
    const url = `http://127.0.0.1:${balancerPort}`;
    const processes: AppProcess[] = [];
    const start = (i: number): { proc: AppProcess; ready: Promise<void> } => {
      const port = ports[i]!;
      let log = '';
      const child = spawn(process.execPath, ['--import', 'tsx', '--import', './e2e/support/kafkaMockPreload.ts', 'core/src/main.ts'], {
        cwd: repoRoot,
        env: {
          ...process.env,
          PORT: String(port), HOST: '127.0.0.1',
          DATABASE_URL: pg.url,
          KAFKA_BROKERS: kafka.brokers.join(','), KAFKA_SESSION_TIMEOUT_MS: '6000',
          CLICKHOUSE_URL: `${clickhouse.url}/default`,
          KUAICHU_DATA_DIR: dataDir, // the file store (content-addressed) is shared, as on a network disk
          KUAICHU_PUBLIC_URL: url,
          KUAICHU_TRUSTED_PROXIES: '127.0.0.1',
          KUAICHU_DEMO_PASSWORD: DEMO_PASSWORD,
          KUAICHU_CLOCK: 'manual', KUAICHU_CLOCK_START: at('10:00'),
          KUAICHU_MEDIA_ROOMS: 'on-join', KUAICHU_MEDIA_LISTEN_IP: '127.0.0.1', KUAICHU_MEDIA_WORKERS: '1',
          KUAICHU_MEDIA_RTC_PORTS: `${40000 + i * 1000}-${40999 + i * 1000}`,
          KUAICHU_TURN_SECRET: coturn.secret, KUAICHU_TURN_URLS: coturn.urls.join(','), KUAICHU_TURN_POLICY: 'relay',
          KUAICHU_DRAIN_SECONDS: '5',
          KUAICHU_RATE_LIMITS: 'off',
          NODE_ENV: 'test',
          ...opts.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-200_000)));
      child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-200_000)));
      const exited = new Promise<string>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? String(code))));
      const proc: AppProcess = { index: i, port, url: `http://127.0.0.1:${port}`, pid: child.pid!, exited, output: () => log };
      return { proc, ready: waitReady(proc.url, child, () => log) };
    };
    // The first process migrates and seeds; the others start on a ready database, side by side.
    const first = start(0);
    processes.push(first.proc);
    await first.ready;
    const rest = Array.from({ length: n - 1 }, (_, k) => start(k + 1));
    processes.push(...rest.map((r) => r.proc));
    await Promise.all(rest.map((r) => r.ready));

    children.push(await startNginx(path.join(dir, 'nginx'), balancerPort, ports));
    let balancers = 0;

    return {
      url, processes, pg, kafka, clickhouse, coturn, dataDir,
      async balancer(indexes, o = {}) {
        const port = await freePort();
        children.push(await startNginx(path.join(dir, `nginx-${++balancers}`), port, indexes.map((i) => ports[i]!), o));
        return `http://127.0.0.1:${port}`;
      },
      signal(i, signal) {
        process.kill(processes[i]!.pid, signal);
      },
      async scrape(i) {
        const r = await fetch(`${processes[i]!.url}/metrics`);
        if (!r.ok) throw new Error(`/metrics of process ${i}: ${r.status}`);
        return r.text();
      },
      async clickhouseRows<T>(sql: string): Promise<T[]> {
        const r = await fetch(`${clickhouse.url}/?database=default`, { method: 'POST', body: `${sql} FORMAT JSON` });
        if (!r.ok) throw new Error(`ClickHouse: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { data: T[] }).data;
      },
      async stop() {
        await stopAll(children, closers, dir);
      },
    };
  } catch (err) {
    await stopAll(children, closers, dir);
    throw err;
  }
}

/** nginx with deploy/nginx's config on `listen`, balancing over `ports`; resolves once it answers /readyz. */
async function startNginx(nginxDir: string, listen: number, ports: readonly number[], opts: { floodLimit?: boolean } = {}): Promise<ChildProcess> {
  mkdirSync(nginxDir);
  writeFileSync(path.join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, listen, ports, opts));
  execFileSync(NGINX, ['-t', '-q', '-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf')], { stdio: 'pipe' });
  const nginx = spawn(NGINX, ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${listen}/readyz`).then((r) => r.ok, () => false)) return nginx;
    if (nginx.exitCode !== null || i > 200) {
      nginx.kill('SIGKILL');
      throw new Error(`nginx did not start: ${existsSync(path.join(nginxDir, 'error.log')) ? readFileSync(path.join(nginxDir, 'error.log'), 'utf8') : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopAll(children: ChildProcess[], closers: Array<() => Promise<unknown>>, dir: string): Promise<void> {
  await Promise.all(children.map(async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }));
  for (const close of closers.reverse()) await close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
