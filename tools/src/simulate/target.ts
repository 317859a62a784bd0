/**
 * The server the simulator drives, and its clock.
 *
 * In-process (no --url): the simulator starts the core itself (startCore, PGlite and chdb in
 * a data folder) with a ManualClock and no timers, listens on a port, and drives it over
 * real HTTP. Between requests it moves the clock to the next event and runs the queue's
 * timers for its city — what the server's one-second timer would do at that moment — so a
 * month takes minutes. Events reach analytics through the real outbox → bus → sink path, by
 * the relay's own round (relayBatch), run once a simulated hour and at the end rather than
 * after every commit: woken by each of a case's ~20 commits, the relay's rounds and chdb's
 * one-row inserts cost more than the requests themselves.
 *
 * Remote (--url): a running server whose clock the simulator may set: it must have been
 * started with KUAICHU_CLOCK=manual (PUT /api/test/clock). Its own timers tick once a real
 * second, so the simulator waits for them where the queue must move: much slower, for short
 * runs (an end-to-end test's data, a demo).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '@kuaichu/core/clock';
import { startCore, type Core } from '@kuaichu/core/server';
import { addDemoSeats, tick } from '@kuaichu/core/harness';
import { relayBatch } from '@kuaichu/core/events';

export interface Target {
  baseUrl: string;
  /** Seats can be added (in-process): the roster is not limited to one demo seat per brigade. */
  canAddSeats: boolean;
  now(): number;
  setTime(ms: number): Promise<void>;
  /** The queue timers of the city have run at the current time. */
  tick(): Promise<void>;
  /** Relays what is committed so far (in-process; a remote server's relay runs by itself). */
  flush(): Promise<void>;
  /** Every committed event has reached analytics. */
  drain(): Promise<void>;
  addSeats(seats: ReadonlyArray<{ username: string; name: string; brigadeId: string }>): Promise<void>;
  close(): Promise<void>;
}

export interface InProcessOptions {
  tenant: string;
  start: Date;
  dataDir: string;
  password: string;
  port?: number;
  analytics?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function inProcessTarget(opts: InProcessOptions): Promise<Target & { core: Core }> {
  mkdirSync(opts.dataDir, { recursive: true });
  const clock = new ManualClock(opts.start);
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), KUAICHU_DEMO_PASSWORD: opts.password };
  if (opts.analytics === false) env.KUAICHU_ANALYTICS = 'off';
  const core = await startCore({ dataDir: path.resolve(opts.dataDir), clock, tickMs: 0, relayMs: 0, rateLimit: false, logger: false, env });
  const relay = async () => {
    while ((await relayBatch(core.ctx.db, core.bus, 2000)) === 2000);
  };
  const baseUrl = await core.app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  return {
    core, baseUrl, canAddSeats: true,
    now: () => clock.now().getTime(),
    async setTime(ms) {
      if (ms > clock.now().getTime()) clock.set(new Date(ms));
    },
    tick: () => tick(core.ctx, opts.tenant),
    flush: relay,
    drain: relay,
    addSeats: (seats) => addDemoSeats(core.ctx.db, opts.tenant, seats, opts.password),
    close: () => core.close(),
  };
}

/** A running server started with KUAICHU_CLOCK=manual. */
export async function remoteTarget(url: string, start: Date): Promise<Target> {
  const baseUrl = url.replace(/\/$/, '');
  const clockUrl = `${baseUrl}/api/test/clock`;
  const probe = await fetch(clockUrl).catch((err: Error) => {
    throw new Error(`cannot reach ${baseUrl}: ${err.message}`);
  });
  if (probe.status === 404) throw new Error(`${baseUrl} runs on its own clock: start it with KUAICHU_CLOCK=manual to simulate through it, or run without --url (the simulator then starts its own server)`);
  let now = start.getTime();
  const put = async (body: object) => {
    const r = await fetch(clockUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`PUT /api/test/clock: ${r.status} ${await r.text()}`);
  };
  await put({ at: start.toISOString() });
  return {
    baseUrl, canAddSeats: false,
    now: () => now,
    async setTime(ms) {
      if (ms <= now) return;
      now = ms;
      await put({ at: new Date(ms).toISOString() });
    },
    // The server's queue timer runs every real second.
    tick: () => sleep(1100),
    // Its relay is woken by every commit and polls every second.
    flush: async () => {},
    drain: () => sleep(1500),
    async addSeats() {
      throw new Error('a remote server has only its demo seats (one per brigade)');
    },
    async close() {},
  };
}
