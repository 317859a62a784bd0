/**
 * The outbox relay (发件箱中继): moves committed `case_events` rows to the bus. Each round
 * takes the oldest unpublished rows in (at, seq) order, publishes them as one batch and sets
 * `published_at` — at-least-once: a crash or a failed publish leaves the rows unpublished,
 * and they go again (consumers de-duplicate by event id).
 *
 * On PostgreSQL several processes run it at once: a round locks its rows `FOR UPDATE SKIP
 * LOCKED` for the length of the publish, so two relays never take the same rows. PGlite
 * serves one process (its folder is locked) and a transaction there holds the whole
 * database, so the round reads, publishes and marks without holding one while consumers run
 * (the in-process bus runs them inside `publish`).
 *
 * It runs when woken (every committed event sends a LIVE_CHANNEL note, to every process),
 * every `intervalMs` otherwise, and backs off exponentially while the bus fails.
 */
import type { CoreContext } from '../context.ts';
import { LIVE_CHANNEL } from '../context.ts';
import type { Db, Queryable } from '../db/db.ts';
import { acrossTenants } from '../db/tenantDb.ts';
import { eventFromRow, outboxRepo } from '../persistence/caseEvents.ts';
import type { BusLog, BusPort } from '../ports/bus.ts';

export interface RelayOptions {
  /** Polling period when nothing wakes the relay (default 1000 ms; the LIVE_CHANNEL note normally comes first). */
  intervalMs?: number;
  /** Events per published batch (default 500). */
  batchSize?: number;
  /** Upper bound of the back-off while publishing fails (default 30 s). */
  maxBackoffMs?: number;
  /** Wake on every LIVE_CHANNEL note (default true). */
  listen?: boolean;
  log?: Pick<BusLog, 'warn'>;
}

export interface Relay {
  /** Runs a round soon (coalesced; ignored while backing off after a failure). */
  wake(): void;
  /** Relays until nothing is left unpublished, now; returns how many events went (tests, shutdown). */
  drain(): Promise<number>;
  /** Stops the timer and the listener after the round in progress. */
  close(): Promise<void>;
}

/** One round: up to `limit` of the oldest unpublished events to the bus. Returns how many went. */
export async function relayBatch(db: Db, bus: BusPort, limit = 500): Promise<number> {
  // The outbox holds every tenant's events: the relay is a named cross-tenant job (db/tenantDb.ts).
  const across = <T>(fn: (q: Queryable) => Promise<T>) => acrossTenants(db, 'outbox relay', fn);
  if (db.kind === 'pglite') {
    // Read, publish, mark: never inside one transaction here (see above).
    const rows = await across((q) => outboxRepo.unpublished(q, limit, false));
    if (!rows.length) return 0;
    await bus.publish(rows.map(eventFromRow));
    await across((q) => outboxRepo.markPublished(q, rows.map((r) => r.id)));
    return rows.length;
  }
  return across(async (q) => {
    const rows = await outboxRepo.unpublished(q, limit, true);
    if (!rows.length) return 0;
    await bus.publish(rows.map(eventFromRow));
    await outboxRepo.markPublished(q, rows.map((r) => r.id));
    return rows.length;
  });
}

export async function startRelay(ctx: Pick<CoreContext, 'db'>, bus: BusPort, opts: RelayOptions = {}): Promise<Relay> {
  const intervalMs = opts.intervalMs ?? 1000;
  const batchSize = opts.batchSize ?? 500;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failures = 0;
  let again = false;
  let busy: Promise<unknown> = Promise.resolve();
  let running = false;

  /** Rounds never overlap within a process. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = busy.then(fn);
    busy = run.catch(() => {});
    return run;
  };

  const drainNow = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await relayBatch(ctx.db, bus, batchSize);
      total += n;
      if (n < batchSize || closed) return total;
    }
  };

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  };

  const tick = async () => {
    running = true;
    try {
      await exclusive(async () => {
        do {
          again = false;
          await drainNow();
        } while (again && !closed);
      });
      failures = 0;
    } catch (err) {
      failures++;
      opts.log?.warn({ err, failures }, 'outbox relay: publishing failed; retrying with back-off');
    } finally {
      running = false;
    }
    schedule(failures ? Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures - 1, 16)) : intervalMs);
  };

  const wake = () => {
    if (closed || failures) return;
    if (running) again = true;
    else schedule(0);
  };

  const unlisten = opts.listen === false ? null : await ctx.db.listen(LIVE_CHANNEL, wake);
  schedule(0);

  return {
    wake,
    drain: () => exclusive(drainNow),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await unlisten?.();
      await busy;
    },
  };
}
