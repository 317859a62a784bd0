/**
 * `npm run bench:intake`: report intake over HTTP under load (autocannon), on PostgreSQL and on
 * PGlite, next to a bare fastify route measured in the same run (the ceiling this machine
 * gives any fastify route). Each request is a new report with its own client key from one of
 * 200 signed-in parties, so every one runs the policy, writes a case and its event, and
 * notifies. Prints figures; asserts nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startCore } from '@kuaichu/core/server';
import { createSession, forTenant } from '@kuaichu/core/harness';
import { startPostgres, createDatabase } from '@kuaichu/testkit/postgres';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PARTIES = 200;

interface Row { name: string; rps: number; p50: number; p99: number; errors: number; non2xx: number }

async function load(url: string, body: (i: number) => string, tokens: string[] = []): Promise<Omit<Row, 'name'>> {
  let i = 0;
  const result = await autocannon({
    url, connections: CONNECTIONS, duration: SECONDS, method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{
      method: 'POST',
      setupRequest: (req) => {
        const n = i++;
        return { ...req, body: body(n), headers: { ...req.headers, ...(tokens.length ? { authorization: `Bearer ${tokens[n % tokens.length]}` } : {}) } };
      },
    }],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

const report = (n: number) => JSON.stringify({
  clientKey: `bench-${process.pid}-${n}`,
  report: { location: { lng: 126.55 + (n % 97) * 0.002, lat: 45.70 + (n % 89) * 0.002 }, kind: 'motor_motor' },
});

async function intake(name: string, opts: Parameters<typeof startCore>[0]): Promise<Row> {
  const core = await startCore({ ...opts, tickMs: 0, rateLimit: false, logger: false, dataDir: mkdtempSync(path.join(tmpdir(), 'kuaichu-bench-')), env: { ...process.env, KUAICHU_DEMO_PASSWORD: 'bench' } });
  try {
    const tokens: string[] = [];
    for (let p = 0; p < PARTIES; p++) tokens.push((await createSession(core.ctx.db, new Date(), { tenant: 'harbin', partyPhone: `135${String(p).padStart(8, '0')}` })).token);
    const address = await core.app.listen({ port: 0, host: '127.0.0.1' });
    const r = await load(`${address}/api/cases`, report, tokens);
    const [{ n }] = (await forTenant(core.ctx.db, 'harbin').query<{ n: string }>('SELECT count(*) AS n FROM cases')) as [{ n: string }];
    console.error(`  ${name}: ${n} cases written`);
    return { name, ...r };
  } finally {
    await core.close();
  }
}

async function bare(): Promise<Row> {
  const app = Fastify();
  app.post('/bare', { schema: { body: { type: 'object', required: ['clientKey'], properties: { clientKey: { type: 'string' }, report: { type: 'object' } } } } }, async () => ({ ok: true }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    return { name: 'bare fastify route', ...(await load(`${address}/bare`, report)) };
  } finally {
    await app.close();
  }
}

const rows: Row[] = [];
rows.push(await bare());
const pg = await startPostgres();
try {
  rows.push(await intake('intake on PostgreSQL', { databaseUrl: await createDatabase(pg.url, 'bench') }));
} finally {
  await pg.stop();
}
rows.push(await intake('intake on PGlite', {}));

console.log(`\nbench:intake — ${SECONDS} s each, ${CONNECTIONS} connections, Node ${process.version}, load generator on the same 2 cores`);
console.log('target                    req/s    p50 ms   p99 ms   errors  non-2xx');
for (const r of rows) {
  console.log(`${r.name.padEnd(24)} ${Math.round(r.rps).toLocaleString('en').padStart(7)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(8)} ${String(r.non2xx).padStart(8)}`);
}
console.log('aim: ≥ 2,000 reports/s with p99 < 50 ms on PostgreSQL');
