/**
 * A background job that runs on one server process at a time, however many run behind the
 * balancer (the analytics rollup's refresh: each process building the same days was wasted
 * ClickHouse work). Every process looks every `everyMs` (the first look after a random part of
 * it, so processes started together do not all look at once); the one that claims the due run
 * in PostgreSQL (persistence/jobSlots.ts) runs it. A process that dies mid-run delays the next
 * run by at most one period; a run that fails is tried again a period later.
 */
import { hostname } from 'node:os';
import type { Db } from '../db/db.ts';
import { acrossTenants } from '../db/tenantDb.ts';
import { jobSlotsRepo } from '../persistence/jobSlots.ts';

export interface OneProcessJob {
  /** Runs the job now if this process claims the due run; true when it ran. */
  tick(): Promise<boolean>;
  close(): Promise<void>;
}

/** This process, as the slot records it. */
export const PROCESS_ID = `${hostname()}:${process.pid}`;

export function onOneProcess(db: Db, name: string, everyMs: number, run: () => Promise<unknown>, log: { error(obj: object, msg: string): void }): OneProcessJob {
  let running: Promise<boolean> | null = null;
  let closed = false;
  const tick = () => (running ??= (async () => {
    try {
      if (closed || !(await acrossTenants(db, 'job slots', (q) => jobSlotsRepo.claim(q, name, everyMs, PROCESS_ID)))) return false;
      await run();
      return true;
    } catch (err) {
      log.error({ err, job: name }, 'background job failed; tried again next period');
      return false;
    }
  })().finally(() => (running = null)));
  let timer: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    void tick();
    timer = setInterval(() => void tick(), everyMs);
    timer.unref();
  }, Math.floor(Math.random() * everyMs));
  first.unref();
  return {
    tick,
    async close() {
      closed = true;
      clearTimeout(first);
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
