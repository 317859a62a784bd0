/**
 * The real server for end-to-end tests: `core/src/main.ts` as `npm start` runs it (PGlite,
 * mediasoup, in-process bus, chdb analytics, the built web apps), in its own data folder on a
 * free port, with a manual clock the test sets (KUAICHU_CLOCK=manual). One per Playwright worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { at } from './day.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const DEMO_PASSWORD = 'e2e-demo-password';

export interface TestServer {
  url: string;
  dataDir: string;
  /** Everything the server printed (for a failing test's attachment). */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A fresh data folder for a server (removed when that server stops). */
export function newDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'kuaichu-e2e-'));
}

export async function startServer(opts: { clockStart?: string; env?: Record<string, string>; dataDir?: string } = {}): Promise<TestServer> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? newDataDir();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'core/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      KUAICHU_DATA_DIR: dataDir,
      KUAICHU_PUBLIC_URL: url,
      KUAICHU_DEMO_PASSWORD: DEMO_PASSWORD,
      KUAICHU_CLOCK: 'manual',
      // 10:00 Beijing time on the suite's day (KUAICHU_E2E_DAY, support/day.ts).
      KUAICHU_CLOCK_START: opts.clockStart ?? at('10:00'),
      KUAICHU_MEDIA_LISTEN_IP: '127.0.0.1',
      KUAICHU_MEDIA_WORKERS: '1',
      // Every actor signs in from 127.0.0.1; the limits themselves are tested in core/test.
      KUAICHU_RATE_LIMITS: 'off',
      // stop() sends SIGTERM and kills after 10 s: the drain (20 s by default) must end before that.
      KUAICHU_DRAIN_SECONDS: '2',
      NODE_ENV: 'test',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // A hang guard: a first start initialises its embedded database and, on 2 cores shared with
  // another worker's browser and recognition models, has taken over a minute.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const state = await Promise.race([exited.then(() => 'exited' as const), fetch(`${url}/readyz`).then((r) => (r.ok ? 'ready' : 'wait')).catch(() => 'wait' as const)]);
    if (state === 'ready') break;
    if (state === 'exited' || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`the server did not start:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    dataDir,
    output: () => log,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
