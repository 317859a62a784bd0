/**
 * Crash consistency (issue 16): the real server (`core/src/main.ts`) as a child process, killed
 * with SIGKILL at seeded random moments while a client drives cases through the whole flow —
 * party sign-in, report (intake), ring and answer, evidence (text, photos, registry checks),
 * leave the scene, determination, the PDF, the claim — and restarted on the same data folder
 * (PGlite) or the same PostgreSQL. The client retries as the real apps do: a report carries its
 * idempotency key (`clientKey`) and is simply sent again; any other step whose answer was lost
 * re-reads the case first and is sent again only when its effect is not there (the seat and
 * party apps reload the case after a reconnect).
 *
 * Afterwards, with the server stopped cleanly (outbox relayed), the proof opens the database
 * and the analytics store itself and counts:
 *   lost cases       a report the client was answered for, missing in the database;
 *   duplicate cases  more than one case for one idempotency key;
 *   half-written     a case whose state, events, evidence, determination or stored files disagree
 *                    (a determination without its PDF, an evidence file missing, a state no event led to);
 *   chains           evidence hash chains recomputed (verifyChain) — every one must be intact;
 *   outbox           events never relayed; events lost in analytics (in the database, not in
 *                    kc_events) and events counted twice (kc_events FINAL);
 *   unresumable      a case left in a call state the client could not go on from.
 *
 * With `faults`, events go the production way — relay → Kafka (librdkafka's mock cluster) →
 * consumer group "analytics" → a ClickHouse server (Debian's clickhouse-server 18.16) — and,
 * between kills, at seeded points, each goes down once while the flow goes on: the broker
 * (the mock's `down`: connections dropped, new ones refused), then the ClickHouse server
 * (SIGKILL; started again on the same data). An outage lasts a seeded time and until it is
 * felt (the outbox holds events the relay could not hand over; the sink failed a batch and
 * retries it). While it is down the server is killed once more and started again: a process
 * must start, and serve cases, with its broker or its analytics store down. Then the part comes
 * back and the proof measures the drain: the time until the outbox is empty and until every
 * event written before the recovery is in kc_events. No other kill falls inside an outage or its drain. After the clean stop, events still in Kafka are taken by
 * another consumer of the group (the proof's, with the same sink), as another process would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acrossTenants, openPglite, openPostgres, type Db } from '@kuaichu/core/harness';
import { verifyChain, type EvidenceRow } from '../../core/src/cases/evidence.ts';
import { repoRoot } from '@kuaichu/core/paths';
import { solidPng, withPngText } from '@kuaichu/plugin-recognition-dev';
import { multipart } from '@kuaichu/testkit/core';
import { freePort } from '@kuaichu/testkit/net';
import { until } from '@kuaichu/testkit/until';
import type { MockCluster } from '@kuaichu/plugin-bus-kafka/test/mock-cluster';
import type { TestClickHouse } from '../../plugins/analytics-clickhouse/test/support/clickhouseServer.ts';

export const PASSWORD = 'demo-password-for-tests';
const DAOLI = { lng: 126.617, lat: 45.773 };
/** The states of a case whose determination has been served (a claim may be pushed). */
const SERVED = ['served', 'claim_pushed', 'review_requested', 'reviewed', 'closed'];

/** A small seeded generator (mulberry32): a failure replays with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CrashOptions {
  kills: number;
  seed?: number;
  /** PostgreSQL URL (a throwaway cluster); PGlite in a fresh data folder otherwise. */
  databaseUrl?: string;
  /** Longest time the server runs before the next kill (ms, default 4000); the shortest is 200. */
  maxUpMs?: number;
  log?: (line: string) => void;
  /** Restarts the database (PostgreSQL `-m immediate`) once, half way, while the server runs. */
  restartDatabase?: () => Promise<void>;
  /**
   * Kafka (mock cluster) and a ClickHouse server instead of the in-process bus and chdb, each
   * taken down once during the run (see the top of this file). `true`: outages of 3–10 s.
   */
  faults?: boolean | { outageMs?: [number, number] };
}

/** One outage of a dependency while the flow went on, and how its backlog drained. */
export interface OutageFigures {
  /** The client's step when it went down. */
  during: string;
  downMs: number;
  /** Events in the outbox (committed, not handed to the bus) just before it came back; the most seen while down. */
  outboxAtRecovery: number;
  maxOutbox: number;
  /** Events in the database and not (yet) in kc_events just before it came back: the sink's lag in events. */
  sinkLagAtRecovery: number;
  /** From its recovery until the outbox was empty. */
  relayDrainMs: number;
  /** From its recovery until every event written before it was in kc_events: the sink's lag in time. */
  sinkDrainMs: number;
  /** Relay rounds that failed (logged) and batches the sink failed and retried (logged), while down and draining. */
  relayFailures: number;
  sinkRetries: number;
  /** The server killed and started again while the part was down: from the start until it served cases again. */
  restartWhileDownMs: number;
}

export interface FaultFigures {
  broker: OutageFigures;
  clickhouse: OutageFigures;
  /** The largest outbox seen in any sample of the run (every outage, every drain). */
  maxOutboxBacklog: number;
  /** Events left in Kafka at the clean stop, taken afterwards by another consumer of the group. */
  takenAfterStop: number;
}

export interface CrashFigures {
  database: 'pglite' | 'postgres';
  kills: number;
  /** Kills by the step the client was in. */
  killedDuring: Record<string, number>;
  cases: number;
  served: number;
  claimed: number;
  retries: number;
  events: number;
  analyticsRows: number;
  lost: string[];
  duplicates: string[];
  halfWritten: string[];
  brokenChains: string[];
  unpublished: number;
  eventsLost: string[];
  eventsCountedTwice: string[];
  unresumable: string[];
  redeliveredAbsorbed: number;
  databaseRestarts: number;
  /** Answers ≥ 500 while the database was restarting (retried by the client); any other 5xx fails the proof. */
  errorsWhileDatabaseDown: number;
  /** The broker and ClickHouse outages (`faults`); null without. */
  faults: FaultFigures | null;
}

class Down extends Error {}

/** The server as a child process on one data folder / database, killed and started again. */
class ServerProcess {
  child: ChildProcess | null = null;
  url = '';
  exited: Promise<void> = Promise.resolve();
  output: string[] = [];
  /** Warnings counted across restarts: relay rounds that failed, sink batches retried. */
  relayFailures = 0;
  sinkRetries = 0;
  /** Set when the process ended without the proof killing or stopping it (a crash: the proof fails). */
  diedOnItsOwn: string | null = null;
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly port: number, private readonly preload: string[] = []) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /**
   * The server's clock is the test clock (registry data of June 2026), frozen within a process;
   * across restarts it goes on from where the wall clock and the advances say, never back.
   */
  private readonly base = Date.parse('2026-06-01T10:00:00+08:00');
  private readonly wallStart = Date.now();
  private advancedMs = 0;
  clockNow(): string {
    return new Date(this.base + (Date.now() - this.wallStart) + this.advancedMs).toISOString();
  }

  /** Time passes (what the system clock would do while a client waits): the test clock moves on. */
  async advance(seconds: number): Promise<void> {
    const r = await fetch(`${this.url}/api/test/clock`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: seconds }) });
    if (r.status === 200) this.advancedMs += seconds * 1000;
  }

  /**
   * Starts the process and waits until /readyz says it serves cases: ready, or (`serving`) not ready
   * only because of the bus — a start while the Kafka broker is down.
   */
  async start(readiness: 'ready' | 'serving' = 'ready'): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', ...this.preload.flatMap((p) => ['--import', p]), path.join(repoRoot, 'core/src/main.ts')], { cwd: repoRoot, env: { ...this.env, KUAICHU_CLOCK_START: this.clockNow() }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer) => {
      for (const line of String(b).split('\n')) {
        if (line.includes('outbox relay: publishing failed')) this.relayFailures++;
        if (line.includes('kafka bus: handler failed; retrying the batch')) this.sinkRetries++;
        if (/"level":(50|60)|Error|error:/.test(line)) this.output.push(line.slice(0, 400));
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, sig) => {
      if (this.child === child) this.diedOnItsOwn = `exit ${code ?? sig}`;
      resolve();
    }));
    let gone = false;
    void this.exited.then(() => (gone = true));
    await until(async () => {
      if (gone) throw new Error(`the server exited while starting:\n${this.output.slice(-10).join('\n')}`);
      try {
        const r = await fetch(`${this.url}/readyz`);
        if (r.status === 200) return true;
        const d = ((await r.json()) as { error?: { details?: { db?: boolean; bus?: boolean; draining?: boolean } } }).error?.details;
        return readiness === 'serving' && d?.db === true && d.bus === false && !d.draining;
      } catch {
        return false;
      }
    }, 'the server answers /readyz', { hangGuardMs: 180_000 });
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    child?.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** SIGTERM: drains (the outbox relayed) and exits. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    child?.kill('SIGTERM');
    await this.exited;
    this.child = null;
  }
}

interface Client {
  call(method: string, url: string, opts?: { token?: string; body?: unknown; raw?: { body: Buffer; headers: Record<string, string> } }): Promise<Response>;
}

/** The production event path for `faults`: the broker and the ClickHouse server the proof takes down. */
export interface FaultParts {
  kafka: MockCluster;
  clickhouse: TestClickHouse;
  outageMs: [number, number];
}

export async function crashProof(opts: CrashOptions): Promise<CrashFigures> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kuaichu-crash-'));
  const port = await freePort();
  let parts: FaultParts | null = null;
  if (opts.faults) {
    const { startMockCluster } = await import('@kuaichu/plugin-bus-kafka/test/mock-cluster');
    const { startClickHouse } = await import('../../plugins/analytics-clickhouse/test/support/clickhouseServer.ts');
    const [kafka, clickhouse] = await Promise.all([startMockCluster({ brokers: 1, topics: { 'case-events': 3 } }), startClickHouse()]);
    parts = { kafka, clickhouse, outageMs: (typeof opts.faults === 'object' && opts.faults.outageMs) || [3000, 10_000] };
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env, PORT: String(port), HOST: '127.0.0.1', KUAICHU_DATA_DIR: dataDir, KUAICHU_MEDIA: 'off', KUAICHU_TENANTS: 'harbin',
    KUAICHU_CLOCK: 'manual', KUAICHU_CLOCK_START: '2026-06-01T10:00:00+08:00', KUAICHU_RATE_LIMITS: 'off', KUAICHU_DEMO_PASSWORD: PASSWORD,
    KUAICHU_DRAIN_SECONDS: '0', LOG_LEVEL: 'warn',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    // A killed process stays a member of the analytics group until its session times out: short, as in the cluster spec.
    ...(parts ? { KAFKA_BROKERS: parts.kafka.brokers.join(','), KAFKA_SESSION_TIMEOUT_MS: '6000', CLICKHOUSE_URL: `${parts.clickhouse.url}/default` } : {}),
  };
  delete env.NODE_ENV;
  // The mock reports a controller that does not exist: the test-only socket factory (e2e/support/kafkaMockPreload.ts).
  const server = new ServerProcess(env, port, parts ? [path.join(repoRoot, 'e2e/support/kafkaMockPreload.ts')] : []);
  // Never leave a server behind (a failed proof, a test runner stopping).
  const orphan = () => server.child?.kill('SIGKILL');
  process.once('exit', orphan);
  try {
    return await run(server, opts, dataDir, parts);
  } finally {
    orphan();
    process.off('exit', orphan);
    await parts?.kafka.stop().catch(() => {});
    await parts?.clickhouse.stop().catch(() => {});
  }
}

/** A query's rows from the ClickHouse server (HTTP, JSON). */
async function clickhouseRows<T>(ch: TestClickHouse, sql: string): Promise<T[]> {
  const r = await fetch(`${ch.url}/?database=default`, { method: 'POST', body: `${sql} FORMAT JSON`, signal: AbortSignal.timeout(30_000) });
  if (!r.ok) throw new Error(`ClickHouse: ${r.status} ${(await r.text()).slice(0, 300)}`);
  return ((await r.json()) as { data: T[] }).data;
}

async function run(server: ServerProcess, opts: CrashOptions, dataDir: string, parts: FaultParts | null): Promise<CrashFigures> {
  const random = seeded(opts.seed ?? 16);
  const log = opts.log ?? (() => {});
  await server.start();

  let phase = 'start';
  let retries = 0;
  let up = true;
  let stopping = false;
  const killedDuring: Record<string, number> = {};
  let kills = 0;
  let databaseRestarts = 0;
  let errorsWhileDatabaseDown = 0;
  let databaseBackAt = -Infinity;

  // The client: a network failure or a 502/503 is "the server is down"; wait until it is back.
  const client: Client = {
    async call(method, url, o = {}) {
      try {
        const r = await fetch(`${server.url}${url}`, {
          method,
          headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.raw ? o.raw.headers : o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(o.raw ? { body: o.raw.body } : o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
          signal: AbortSignal.timeout(60_000),
        });
        if (r.status === 502) throw new Down('502');
        return r;
      } catch (err) {
        if (err instanceof Down || err instanceof TypeError || (err as Error).name === 'TimeoutError') throw new Down(String(err));
        throw err;
      }
    },
  };
  const backUp = () => until(() => {
    if (server.diedOnItsOwn) throw new Error(`the server process died on its own (${server.diedOnItsOwn}) during ${phase}:\n${server.output.slice(-8).join('\n')}`);
    return up;
  }, 'the server is back', { hangGuardMs: 300_000 });
  /** /readyz: ready, or not ready only for another part than the database (the bus) and not shutting down. */
  const servesCases = async () => {
    try {
      const r = await fetch(`${server.url}/readyz`);
      if (r.status === 200) return true;
      const d = ((await r.json()) as { error?: { details?: { db?: boolean; draining?: boolean } } }).error?.details;
      return d?.db === true && !d.draining;
    } catch {
      return false;
    }
  };

  /**
   * One step of the flow, as the apps do it: send; on a lost answer wait for the server, and
   * send again only if `done()` (a re-read of the case) says the effect is not there.
   */
  async function step<T>(name: string, send: () => Promise<Response>, accept: (r: Response) => Promise<T | undefined>, done?: () => Promise<T | undefined>): Promise<T> {
    phase = name;
    let last = '';
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) retries++;
      if (attempt > 50) throw new Error(`${name}: 50 tries; last answer ${last}; the server said:\n${server.output.slice(-8).join('\n')}`);
      try {
        if (attempt > 0 && done) {
          const already = await done();
          if (already !== undefined) return already;
        }
        const r = await send();
        if (r.status === 503) {
          // The client honours Retry-After (a document being prepared), as the apps do.
          const after = Math.min(5, Number(r.headers.get('retry-after') ?? 0) || 0);
          if (after) await sleep(after * 1000);
          // A document left unfinished by a killed process is finished by the queue's beat once a
          // minute old (cases/documentIssue.ts): on the test clock that minute must be let pass.
          if (name === 'PDF' && attempt >= 1) await server.advance(61).catch(() => {});
          // Then it asks again once the server serves cases: up, its database answering. /readyz says
          // 503 also while the Kafka broker is down, which does not stop a case being served (the outbox holds its events).
          await until(servesCases, `${name}: the server serves cases`, { hangGuardMs: 300_000 });
          continue;
        }
        // While PostgreSQL restarts (and shortly after, as the pool reconnects) a request may fail: the app tries again.
        if (r.status >= 500) last = `${r.status} ${(await r.clone().text()).slice(0, 300)}`;
        if (r.status >= 500 && performance.now() - databaseBackAt < 30_000) {
          errorsWhileDatabaseDown++;
          await sleep(500);
          continue;
        }
        const v = await accept(r);
        if (v !== undefined) return v;
        throw new Error(`${name}: ${r.status} ${await r.text().catch(() => '')}`.slice(0, 500));
      } catch (err) {
        if (!(err instanceof Down)) throw err;
        await backUp();
      }
    }
  }
  /** A read the app repeats until the server answers it. */
  const readAgain = async <T>(read: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await read();
      } catch (err) {
        if (!(err instanceof Down)) throw err;
        retries++;
        await backUp();
      }
    }
  };
  const json = async (r: Response) => (await r.json()) as Record<string, unknown> & { [k: string]: any };

  const login = (username: string) => step(`sign-in ${username}`, () => client.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username, password: PASSWORD } }), async (r) => (r.status === 200 ? (await json(r)).token as string : undefined));
  let admin = await login('admin');
  const partySession = async (phone: string): Promise<string> => {
    for (;;) {
      const sent = await step('party code', () => client.call('POST', '/api/cities/harbin/party/code', { body: { phone } }), async (r): Promise<Record<string, any> | undefined> => (r.status === 200 ? json(r) : r.status === 429 ? { wait: Number((await json(r)).error?.details?.retryAfterSeconds) || 60 } : undefined));
      // A code asked again within the minute (its SMS was not yet out when the process died): the
      // party waits as told (Retry-After) — on the test clock, that minute is let pass — and asks again.
      if (typeof sent.wait === 'number') {
        retries++;
        await server.advance(sent.wait + 1).catch(() => {});
        continue;
      }
      const box = await step('party code (sms outbox)', () => client.call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: admin }), async (r) => (r.status === 200 ? json(r) : r.status === 401 ? ((admin = await login('admin')), undefined) : undefined)).catch(() => null);
      const code = box && /验证码为 (\d{6})/.exec(box.messages?.[0]?.text ?? '')?.[1];
      if (!code) continue; // the code's SMS was lost with the process: ask for a new one, as a party would
      const s = await step('party session', () => client.call('POST', '/api/cities/harbin/party/session', { body: { phone, code, challenge: sent.challenge } }), async (r) => (r.status === 200 ? (await json(r)).token as string : r.status >= 400 && r.status < 500 ? 'again' : undefined));
      if (s !== 'again') return s;
    }
  };

  const reportedIds = new Map<string, string>(); // clientKey → case id the client was answered with
  const caseIds: string[] = [];
  let served = 0;
  let claimed = 0;

  async function oneCase(i: number): Promise<void> {
    const phone = `1380000${String(5000 + i).padStart(4, '0')}`;
    const party = await partySession(phone);
    const seat = await login('seat-daoli');
    await step('seat available', () => client.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } }), async (r) => (r.status === 200 ? true : undefined));
    const clientKey = `crash-${opts.seed ?? 16}-${i}-abcdef`;
    const id = await step('intake', () => client.call('POST', '/api/cases', { token: party, body: { clientKey, report: { location: DAOLI, kind: 'motor_motor', address: '道里区中央大街' } } }), async (r) => (r.status === 201 || r.status === 200 ? (await json(r)).id as string : undefined));
    reportedIds.set(clientKey, id);
    caseIds.push(id);
    const view = async (token = seat) => json(await client.call('GET', `/api/cases/${id}`, { token }));
    const answered = async () => (['answered', 'in_call', 'evidence_complete'].includes(String((await view()).state)) ? true : undefined);
    /**
     * The seat answers when the case rings (the queue's timer rings the brigade's seat). A restart
     * re-queues what was ringing, so an answer may meet a queued case (409): it rings again, the
     * seat answers again — done only when the case is answered.
     */
    const answerWhenRinging = async (what: string) => {
      for (;;) {
        phase = 'ring';
        await until(async () => {
          try {
            const state = String((await view()).state);
            return state === 'ringing' || (await answered()) === true;
          } catch { return false; }
        }, `${what} case rings`, { hangGuardMs: 300_000 });
        const outcome = await step(what, () => client.call('POST', `/api/cases/${id}/answer`, { token: seat }),
          async (r) => (r.status === 200 ? 'answered' : r.status === 409 ? ((await answered()) ? 'answered' : 're-queued') : undefined),
          async () => ((await answered()) ? 'answered' : undefined));
        if (outcome === 'answered') return;
      }
    };
    await answerWhenRinging('answer');
    // A call dropped by the crash: the party resumes (继续处理) if the case says the call was interrupted.
    const resumeIfDropped = async () => {
      const v = await readAgain(view);
      // A restart re-queues a case that was ringing (the answer may have been lost with it): it rings again, the seat answers.
      if (v.state === 'queued' || v.state === 'ringing') return answerWhenRinging('re-queued');
      if (v.state !== 'interrupted') return;
      await step('resume', () => client.call('POST', `/api/cases/${id}/resume`, { token: party }), async (r) => (r.status === 200 ? true : undefined));
      await answerWhenRinging('resumed');
    };
    const evidenceCount = async (item: string, match: (e: any) => boolean) => ((await view()).evidence as any[]).filter((e) => e.item === item && match(e)).length;
    const text = async (item: string, data: Record<string, unknown>) => {
      await resumeIfDropped();
      const same = (e: any) => JSON.stringify(e.data) === JSON.stringify(data);
      await step(`evidence ${item}`, () => client.call('POST', `/api/cases/${id}/evidence`, { token: seat, body: { item, data } }), async (r) => (r.status === 201 ? true : undefined),
        async () => ((await evidenceCount(item, same)) > 0 ? true : undefined));
    };
    await text('party_names', { names: ['张伟', '李娜'] });
    await text('plates', { plates: ['黑A12345', '黑AD56789'] });
    await text('time', { text: '2026-06-01 09:55' });
    await text('place', { text: '道里区中央大街与西十二道街交口' });
    await text('accident_type', { text: '追尾' });
    await text('statement', { party: '李娜', text: '我在等红灯，后车追尾。' });
    await text('statement', { party: '张伟', text: '我起步时没注意前车，追尾了。' });
    for (const item of ['parties_photo', 'collision_closeups', 'plate_closeups']) {
      for (const k of [1, 2]) {
        await resumeIfDropped();
        const png = withPngText(solidPng(8, 8, [k * 20 + i, 100, 50]), 'kuaichu-plate', '黑A12345');
        const form = multipart({ item }, { name: `${item}-${k}.png`, bytes: png, type: 'image/png' });
        const before = await readAgain(() => evidenceCount(item, () => true));
        await step(`evidence photo ${item}`, () => client.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, raw: form }), async (r) => (r.status === 201 ? true : undefined),
          async () => ((await evidenceCount(item, () => true)) >= Math.min(k, before + 1) ? true : undefined));
      }
    }
    for (const k of [1, 2]) {
      await resumeIfDropped();
      const form = multipart({ item: 'vehicle_angles' }, { name: `angle-${k}.png`, bytes: solidPng(8, 8, [k, i % 250, 9]), type: 'image/png' });
      await step('evidence clip', () => client.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, raw: form }), async (r) => (r.status === 201 ? true : undefined),
        async () => ((await evidenceCount('vehicle_angles', () => true)) >= k ? true : undefined));
    }
    for (const [name, idNumber, plate] of [['张伟', '230102198503127810', '黑A12345'], ['李娜', '230103199007214422', '黑AD56789']] as const) {
      await resumeIfDropped();
      await step('registry checks', () => client.call('POST', `/api/cases/${id}/checks`, { token: seat, body: { driver: { name, idNumber }, plate } }), async (r) => (r.status === 200 ? true : undefined));
    }
    await resumeIfDropped();
    await step('leave the scene', () => client.call('POST', `/api/cases/${id}/evacuate`, { token: seat }), async (r) => (r.status === 200 ? true : undefined),
      async () => ((await view()).state === 'evacuated' ? true : undefined));
    const officer = await login('officer');
    await step('determination', () => client.call('POST', `/api/cases/${id}/determination`, { token: officer, body: { facts: '张伟驾驶黑A12345追尾李娜驾驶的黑AD56789。', parties: [
      { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
      { name: '李娜', phone: '13800000402', plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
    ] } }), async (r) => (r.status === 201 ? true : undefined), async () => ((await view(officer)).determination ? true : undefined));
    served++;
    await step('PDF', () => client.call('GET', `/api/cases/${id}/document.pdf`, { token: party }), async (r) => (r.status === 200 && (await r.arrayBuffer()).byteLength > 100 ? true : undefined));
    // The app offers the claim once the case shows served: a process killed while the document
    // was prepared leaves it to the queue's beat, and the PDF can be read a moment before the
    // determination's service is recorded (found by the 100-kill run: a claim then is 409).
    // Waited for positively: "not determined" also held for an error answer read while PostgreSQL
    // restarted (no state at all), and the claim then met the unserved determination (409).
    await until(async () => SERVED.includes(String((await readAgain(() => view(officer))).state)), `${id}: served`, { hangGuardMs: 300_000 });
    await step('claim', () => client.call('POST', `/api/cases/${id}/claims`, { token: party }), async (r) => (r.status === 200 ? true : undefined));
    claimed++;
    phase = 'between cases';
  }

  // Faults: the broker and ClickHouse each down once, between kills, at a seeded kill (a generator of
  // their own: the kills' times stay those of the seed) and a seeded moment of service.
  const faultRandom = seeded((opts.seed ?? 16) + 1_000_003);
  const outages: Array<{ part: 'broker' | 'clickhouse'; atKill: number; figures: OutageFigures | null }> = parts
    ? [{ part: 'broker', atKill: Math.floor(faultRandom() * opts.kills), figures: null }, { part: 'clickhouse', atKill: Math.floor(faultRandom() * opts.kills), figures: null }]
    : [];
  let maxOutboxBacklog = 0;
  let supervisor = '';
  /** Events in the outbox now (the server's own gauge, /metrics on loopback). */
  const outbox = async (): Promise<number> => {
    const r = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(30_000) });
    if (r.status !== 200) throw new Error(`/metrics: ${r.status}`);
    let n = 0;
    for (const m of (await r.text()).matchAll(/^kuaichu_outbox_unpublished_events\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
    maxOutboxBacklog = Math.max(maxOutboxBacklog, n);
    return n;
  };
  /** Events per case in the database now: the timelines of the case views (a staff member of the city, not one the flow uses). */
  const eventsPerCase = async (): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (const id of [...caseIds]) {
      for (let attempt = 0; ; attempt++) {
        const r = await client.call('GET', `/api/cases/${id}`, { token: supervisor });
        if (r.status === 200) {
          out.set(id, ((await json(r)).timeline as unknown[]).length);
          break;
        }
        if (r.status !== 401 || attempt > 0) throw new Error(`case view for the outage figures: ${r.status} ${await r.text()}`);
        const l = await client.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'supervisor', password: PASSWORD } });
        if (l.status !== 200) throw new Error(`supervisor sign-in: ${l.status}`);
        supervisor = (await json(l)).token as string;
      }
    }
    return out;
  };
  /** Events per case in kc_events now (distinct: a redelivery is not a second event). */
  const analyticsPerCase = async (): Promise<Map<string, number>> =>
    new Map((await clickhouseRows<{ case_id: string; n: string }>(parts!.clickhouse, 'SELECT case_id, uniqExact(seq) AS n FROM kc_events GROUP BY case_id')).map((r) => [r.case_id, Number(r.n)]));
  /** Polls `check` at most every 250 ms (each poll asks the server or ClickHouse). */
  const paced = (check: () => Promise<boolean>) => {
    let last = -Infinity;
    return async () => {
      if (stopping) return true;
      if (performance.now() - last < 250) return false;
      last = performance.now();
      return check();
    };
  };

  async function outage(o: (typeof outages)[number]): Promise<void> {
    const p = parts!;
    const [minMs, maxMs] = p.outageMs;
    const lasts = minMs + faultRandom() * (maxMs - minMs);
    const during = phase;
    const relay0 = server.relayFailures;
    const sink0 = server.sinkRetries;
    // ClickHouse does not change while it is down: what it holds now is what it holds at the recovery.
    let inAnalytics = o.part === 'clickhouse' ? await analyticsPerCase() : new Map<string, number>();
    log(`${o.part === 'broker' ? 'Kafka broker' : 'ClickHouse'} down during ${during} (at least ${Math.round(lasts)} ms)`);
    const downAt = performance.now();
    if (o.part === 'broker') await p.kafka.down(1);
    else await p.clickhouse.down();
    let maxOutbox = 0;
    let outboxAtRecovery = 0;
    let inDatabase = new Map<string, number>();
    let restartWhileDownMs = -1;
    try {
      // Down for its time, and until the outage is felt: the outbox holds events the relay cannot hand
      // over (broker), or the sink failed a batch and retries it (ClickHouse). The flow goes on meanwhile.
      await until(paced(async () => {
        maxOutbox = Math.max(maxOutbox, await outbox());
        const felt = o.part === 'broker' ? maxOutbox > 0 : server.sinkRetries > sink0;
        return felt && performance.now() - downAt >= lasts;
      }), `the ${o.part} outage is felt`, { hangGuardMs: 300_000 });
      // A kill now: the process must start again with the part still down, and serve.
      up = false;
      const sinkBeforeKill = server.sinkRetries;
      await server.kill();
      const restartAt = performance.now();
      await server.start('serving');
      restartWhileDownMs = performance.now() - restartAt;
      up = true;
      log(`  killed and started again while down: serving after ${Math.round(restartWhileDownMs)} ms`);
      await until(paced(async () => {
        maxOutbox = Math.max(maxOutbox, await outbox());
        // ClickHouse: the new process's sink (once its consumer has the partitions) failed a batch too.
        return o.part === 'broker' || server.sinkRetries > sinkBeforeKill;
      }), `the new process feels the ${o.part} outage`, { hangGuardMs: 300_000 });
      outboxAtRecovery = await outbox();
      maxOutbox = Math.max(maxOutbox, outboxAtRecovery);
      inDatabase = await eventsPerCase();
      if (o.part === 'broker') inAnalytics = await analyticsPerCase();
    } finally {
      if (o.part === 'broker') await p.kafka.up(1);
      else await p.clickhouse.up();
    }
    const upAt = performance.now();
    const downMs = upAt - downAt;
    const sinkLagAtRecovery = [...inDatabase].reduce((sum, [id, n]) => sum + Math.max(0, n - (inAnalytics.get(id) ?? 0)), 0);
    log(`${o.part === 'broker' ? 'Kafka broker' : 'ClickHouse'} back after ${Math.round(downMs)} ms: outbox ${outboxAtRecovery} (most ${maxOutbox}), ${sinkLagAtRecovery} events not yet in ClickHouse`);
    let relayDrainMs = -1;
    let sinkDrainMs = -1;
    await until(paced(async () => {
      if (relayDrainMs < 0 && (await outbox()) === 0) relayDrainMs = performance.now() - upAt;
      if (sinkDrainMs < 0) {
        const now = await analyticsPerCase();
        if ([...inDatabase].every(([id, n]) => (now.get(id) ?? 0) >= n)) sinkDrainMs = performance.now() - upAt;
      }
      return relayDrainMs >= 0 && sinkDrainMs >= 0;
    }), `the backlog drains after the ${o.part} came back`, { hangGuardMs: 300_000 });
    log(`  drained: outbox empty after ${Math.round(relayDrainMs)} ms, every earlier event in ClickHouse after ${Math.round(sinkDrainMs)} ms`);
    o.figures = { during, downMs: Math.round(downMs), outboxAtRecovery, maxOutbox, sinkLagAtRecovery, relayDrainMs: Math.round(relayDrainMs), sinkDrainMs: Math.round(sinkDrainMs), relayFailures: server.relayFailures - relay0, sinkRetries: server.sinkRetries - sink0, restartWhileDownMs: Math.round(restartWhileDownMs) };
  }

  // The killer: after a seeded random time of service, SIGKILL, then start again.
  let wakeAt = performance.now() + 200 + random() * ((opts.maxUpMs ?? 4000) - 200);
  const killer = (async () => {
    const maxUp = opts.maxUpMs ?? 4000;
    while (kills < opts.kills && !stopping) {
      await until(() => stopping || performance.now() >= wakeAt, 'time to kill', { hangGuardMs: 600_000 });
      if (stopping) break;
      const due = outages.find((o) => !o.figures && kills >= o.atKill);
      if (due) {
        await outage(due);
        wakeAt = performance.now() + 200 + faultRandom() * (maxUp - 200);
        continue;
      }
      if (opts.restartDatabase && databaseRestarts === 0 && kills >= Math.floor(opts.kills / 2)) {
        log(`PostgreSQL restarted (immediate) during ${phase}`);
        databaseBackAt = Infinity;
        await opts.restartDatabase();
        databaseBackAt = performance.now();
        databaseRestarts++;
        wakeAt = performance.now() + 200 + random() * (maxUp - 200);
        continue;
      }
      const during = phase;
      up = false;
      await server.kill();
      kills++;
      killedDuring[during] = (killedDuring[during] ?? 0) + 1;
      log(`kill ${kills}/${opts.kills} during ${during}`);
      await server.start();
      up = true;
      wakeAt = performance.now() + 200 + random() * (maxUp - 200);
    }
  })();

  let i = 0;
  try {
    while (kills < opts.kills) await oneCase(i++);
  } finally {
    stopping = true;
    await killer;
  }
  await oneCase(i++); // one whole case after the last kill: the server serves on

  // A clean stop: the outbox is relayed (SIGTERM drains), then the proof reads the stores itself.
  await server.stop();
  const figures = await inspect(dataDir, opts.databaseUrl, [...reportedIds], caseIds, parts, log);
  let faults: FaultFigures | null = null;
  if (parts) {
    const [broker, clickhouse] = outages.map((o) => o.figures);
    if (!broker || !clickhouse) throw new Error(`an outage did not happen (broker at kill ${outages[0]!.atKill}, ClickHouse at kill ${outages[1]!.atKill} of ${opts.kills})`);
    faults = { broker, clickhouse, maxOutboxBacklog, takenAfterStop: figures.takenAfterStop };
  }
  return { ...figures, database: opts.databaseUrl ? 'postgres' : 'pglite', kills, killedDuring, cases: caseIds.length, served, claimed, retries, databaseRestarts, errorsWhileDatabaseDown, faults };
}

/**
 * Events the stopped server relayed to Kafka but its sink had not taken yet: another consumer of
 * the "analytics" group (the same sink, as another process runs it) takes them into ClickHouse.
 */
async function takeTheRest(parts: FaultParts, ids: readonly string[]): Promise<number> {
  const missing = async () => {
    const seen = new Set((await clickhouseRows<{ id: string }>(parts.clickhouse, 'SELECT DISTINCT id FROM kc_events')).map((r) => r.id));
    return ids.filter((id) => !seen.has(id)).length;
  };
  if ((await missing()) === 0) return 0;
  const { createKafkaBus, kafkaOptionsFromEnv } = await import('@kuaichu/plugin-bus-kafka');
  const { mockControllerFix } = await import('@kuaichu/plugin-bus-kafka/test/controller-fix');
  const { openClickHouseServer, analyticsSink } = await import('@kuaichu/plugin-analytics-clickhouse');
  const driver = await openClickHouseServer(`${parts.clickhouse.url}/default`);
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const bus = await createKafkaBus(kafkaOptionsFromEnv({ KAFKA_BROKERS: parts.kafka.brokers.join(','), KAFKA_SESSION_TIMEOUT_MS: '6000' }, { socketFactory: mockControllerFix() }), quiet);
  let taken = 0;
  const sink = analyticsSink(driver);
  try {
    const sub = await bus.subscribe('analytics', async (events) => {
      await sink(events);
      taken += events.length;
    });
    let last = -Infinity;
    await until(async () => {
      if (performance.now() - last < 250) return false;
      last = performance.now();
      return (await missing()) === 0;
    }, 'the events left in Kafka reach ClickHouse', { hangGuardMs: 120_000 }).catch(() => {}); // what is still missing is counted as lost
    await sub.close();
  } finally {
    await bus.close();
    await driver.close();
  }
  return taken;
}

async function inspect(dataDir: string, databaseUrl: string | undefined, reported: [string, string][], caseIds: string[], parts: FaultParts | null, log: (line: string) => void) {
  const db: Db = databaseUrl ? await openPostgres(databaseUrl) : await openPglite(dataDir);
  const lost: string[] = [];
  const duplicates: string[] = [];
  const halfWritten: string[] = [];
  const brokenChains: string[] = [];
  const unresumable: string[] = [];
  let ids: string[] = [];
  let unpublished = 0;
  try {
    await acrossTenants(db, 'crash proof', async (q) => {
      for (const [key, id] of reported) {
        const rows = (await q.query<{ id: string }>('SELECT id FROM cases WHERE client_key = $1', [key]));
        if (!rows.some((r) => r.id === id)) lost.push(`${key} → ${id}`);
        if (rows.length > 1) duplicates.push(`${key}: ${rows.length} cases`);
      }
      for (const id of caseIds) {
        const c = (await q.query<{ state: string; tenant: string }>('SELECT state, tenant FROM cases WHERE id = $1', [id]))[0];
        if (!c) continue;
        const ev = (await q.query<EvidenceRow>('SELECT * FROM evidence WHERE case_id = $1 ORDER BY seq', [id]));
        const chain = verifyChain(ev);
        if (!chain.ok) brokenChains.push(`${id}: broken at ${chain.brokenAt}`);
        for (const e of ev) if (e.file_sha256 && !existsSync(path.join(dataDir, 'files', e.file_sha256.slice(0, 2), e.file_sha256)) && !existsSync(path.join(dataDir, 'files', e.file_sha256))) halfWritten.push(`${id}: evidence ${e.seq} names a file not stored`);
        const det = (await q.query<{ document_sha256: string | null }>('SELECT document_sha256 FROM determinations WHERE case_id = $1', [id]));
        if (det.length > 1) halfWritten.push(`${id}: ${det.length} determinations`);
        if (det[0] && !det[0].document_sha256) halfWritten.push(`${id}: a determination without its document`);
        const types = (await q.query<{ type: string }>('SELECT type FROM case_events WHERE case_id = $1 ORDER BY seq', [id])).map((r) => r.type);
        if (types[0] !== 'case.reported') halfWritten.push(`${id}: first event ${types[0]}`);
        if (det[0] && !types.includes('case.determined')) halfWritten.push(`${id}: determined without case.determined (${types.join(',')})`);
        if (!det[0] && ['served', 'reviewed', 'closed'].includes(c.state)) halfWritten.push(`${id}: ${c.state} without a determination`);
        if (['answered', 'in_call', 'interrupted', 'ringing', 'queued'].includes(c.state)) unresumable.push(`${id}: left ${c.state}`);
      }
      ids = (await q.query<{ id: string }>('SELECT id FROM case_events')).map((r) => r.id);
      unpublished = Number((await q.query<{ n: string }>('SELECT count(*) AS n FROM case_events WHERE published_at IS NULL'))[0]!.n);
    });
  } finally {
    await db.close();
  }
  let takenAfterStop = 0;
  if (parts) {
    takenAfterStop = await takeTheRest(parts, ids);
    if (takenAfterStop) log(`${takenAfterStop} events left in Kafka at the stop taken by another consumer of the group`);
  }
  const { openChdb } = await import('@kuaichu/plugin-analytics-clickhouse');
  const ch = parts
    ? { select: async <T>(sql: string) => ({ data: await clickhouseRows<T>(parts.clickhouse, sql) }), close: async () => {} }
    : openChdb(path.join(dataDir, 'analytics'));
  let analyticsRows = 0;
  const eventsLost: string[] = [];
  const eventsCountedTwice: string[] = [];
  let redeliveredAbsorbed = 0;
  try {
    const raw = (await ch.select<{ id: string; n: string }>('SELECT id, count() AS n FROM kc_events GROUP BY id')).data;
    const final = (await ch.select<{ id: string; n: string }>('SELECT id, count() AS n FROM kc_events FINAL GROUP BY id')).data;
    analyticsRows = raw.reduce((s, r) => s + Number(r.n), 0);
    redeliveredAbsorbed = raw.reduce((s, r) => s + Number(r.n) - 1, 0);
    const seen = new Set(final.map((r) => r.id));
    for (const r of final) if (Number(r.n) > 1) eventsCountedTwice.push(`${r.id} ×${r.n}`);
    for (const id of ids) if (!seen.has(id)) eventsLost.push(id);
  } finally {
    await ch.close();
  }
  return { events: ids.length, analyticsRows, lost, duplicates, halfWritten, brokenChains, unpublished, eventsLost, eventsCountedTwice, unresumable, redeliveredAbsorbed, takenAfterStop };
}
