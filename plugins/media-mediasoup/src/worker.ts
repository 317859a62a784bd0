// The mediasoup worker binary and a pool of workers (one per core by default).
//
// The binary is not in node_modules: the bootstrap downloads or builds it once into a cache keyed
// by mediasoup version and build recipe (docs/media-worker.md). MEDIASOUP_WORKER_BIN overrides it.
// mediasoup reads MEDIASOUP_WORKER_BIN when it is first imported, so it is imported dynamically,
// after the variable is set.
import { existsSync } from 'node:fs';
import os from 'node:os';
import type * as Mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { cachedWorkerPath } from '../build/worker-path.mjs';

/** The worker binary to use: MEDIASOUP_WORKER_BIN if set, else the cached build. Throws if missing. */
export function resolveWorkerBin(): string {
  const fromEnv = process.env.MEDIASOUP_WORKER_BIN;
  const bin = fromEnv || cachedWorkerPath();
  if (!bin || !existsSync(bin)) {
    throw new Error(
      fromEnv
        ? `MEDIASOUP_WORKER_BIN points to a missing file: ${fromEnv}`
        : `mediasoup worker binary not found (${bin ?? 'mediasoup not installed'}); run \`node tools/bootstrap/index.mjs\` to build it`,
    );
  }
  return bin;
}

let loaded: Promise<typeof Mediasoup> | undefined;

/** Imports mediasoup with MEDIASOUP_WORKER_BIN pointing at the resolved binary. */
export function loadMediasoup(): Promise<typeof Mediasoup> {
  if (!loaded) {
    process.env.MEDIASOUP_WORKER_BIN = resolveWorkerBin();
    loaded = import('mediasoup');
  }
  return loaded;
}

export interface PoolLogger {
  info(msg: string): void;
  error(msg: string): void;
}

export interface WorkerPoolOptions {
  /** Passed to every worker (log level, RTC port range, …). */
  settings?: Omit<types.WorkerSettings, 'workerBin'>;
  logger?: PoolLogger;
  /** Called when a worker dies unexpectedly; its routers are gone. Default: log only. */
  onDied?: (worker: types.Worker, error: Error) => void;
}

export interface WorkerPool {
  readonly workers: readonly types.Worker[];
  /** How many workers it was started with (live ones are `workers`; a died one leaves it). */
  readonly configured: number;
  /** Round-robin pick of a live worker (a case's router lives on one worker). */
  next(): types.Worker;
  close(): void;
}

const consoleLogger: PoolLogger = {
  info: (msg) => console.log(`[media] ${msg}`),
  error: (msg) => console.error(`[media] ${msg}`),
};

/** Starts n mediasoup workers (default: one per core). */
export async function createWorkerPool(n = os.availableParallelism(), opts: WorkerPoolOptions = {}): Promise<WorkerPool> {
  const mediasoup = await loadMediasoup();
  const log = opts.logger ?? consoleLogger;
  const workerBin = process.env.MEDIASOUP_WORKER_BIN;
  const workers: types.Worker[] = [];
  let closing = false;
  // A worker that dies is replaced (issue 16): its rooms' clients rejoin on the live workers at
  // once, and the pool is back to its size shortly after (a failed start is retried, 1 s … 30 s).
  const start = async (): Promise<types.Worker> => {
    const worker = await mediasoup.createWorker({ logLevel: 'warn', ...opts.settings, workerBin });
    worker.on('died', (error) => {
      const idx = workers.indexOf(worker);
      if (idx >= 0) workers.splice(idx, 1);
      if (closing) return;
      log.error(`mediasoup worker pid ${worker.pid} died: ${error.message} (${workers.length} left); starting a replacement`);
      opts.onDied?.(worker, error);
      void replace(1000);
    });
    return worker;
  };
  const replace = async (delayMs: number): Promise<void> => {
    if (closing) return;
    try {
      const w = await start();
      if (closing) return void w.close();
      workers.push(w);
      log.info(`mediasoup worker pid ${w.pid} started in place of a dead one (${workers.length} live)`);
    } catch (err) {
      log.error(`a replacement mediasoup worker did not start: ${(err as Error).message}; retrying in ${delayMs} ms`);
      setTimeout(() => void replace(Math.min(delayMs * 2, 30_000)), delayMs).unref();
    }
  };
  try {
    for (let i = 0; i < n; i++) workers.push(await start());
  } catch (err) {
    closing = true;
    for (const w of workers) w.close();
    throw err;
  }
  log.info(`mediasoup ${mediasoup.version}: ${workers.length} worker(s) started (${workerBin})`);
  let rr = 0;
  return {
    workers,
    configured: n,
    next() {
      if (workers.length === 0) throw new Error('no live mediasoup worker');
      return workers[rr++ % workers.length]!;
    },
    close() {
      closing = true;
      for (const w of [...workers]) w.close();
      workers.length = 0;
    },
  };
}
