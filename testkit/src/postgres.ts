/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temp folder (as user postgres when
 * running as root, since postgres refuses to run as root), a server on a free loopback port,
 * removed on stop. Debian's postgresql is installed by the bootstrap.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { freePort } from './net.ts';

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
  /** Stops the cluster at once (`-m immediate`, as a crash would) and starts it again on the same data and port (crash proof). */
  restart(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(path.join(root, v, 'bin/postgres'))) return path.join(root, v, 'bin');
  throw new Error('PostgreSQL is not installed (Debian package postgresql): run `npm test` as root once so the bootstrap installs it');
}

/**
 * One cluster for a whole test file: started before its first test and stopped after its last
 * (node:test's hooks, registered where this is called); `url` is there once it has started.
 */
export function postgresForFile(): { readonly url: string } {
  let cluster: TestPostgres | undefined;
  before(async () => {
    cluster = await startPostgres();
  });
  after(async () => {
    await cluster?.stop();
  });
  return {
    get url() {
      if (!cluster) throw new Error('the test PostgreSQL has not started (use its url inside a test or hook)');
      return cluster.url;
    },
  };
}

/**
 * `durable`: commits wait for their WAL write (synchronous_commit=on), so a commit acknowledged
 * before an immediate stop (`restart()`) is still there after it — what the crash proof relies on.
 * By default (speed) the last commits before such a stop may be lost, as PostgreSQL documents for
 * synchronous_commit=off. fsync stays off either way: the stop ends processes, not the machine.
 */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<TestPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  const data = path.join(dir, 'data');
  execFileSync(...run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']), { stdio: 'pipe' });
  const port = await freePort();
  let child!: ChildProcess;
  let log = '';
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const launch = async () => {
    child = spawn(...run(path.join(bin, 'postgres'), [
      '-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
      '-c', 'fsync=off', '-c', `synchronous_commit=${opts.durable ? 'on' : 'off'}`, '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ]), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d) => (log += d));
    for (let i = 0; ; i++) {
      try {
        const c = new pg.Client(url);
        await c.connect();
        await c.end();
        break;
      } catch (err) {
        if (child.exitCode !== null || i > 300) throw new Error(`postgres did not start: ${(err as Error).message}\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const halt = async (mode: 'fast' | 'immediate') => {
    const exited = child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
    // pg_ctl signals the postmaster itself (runuser does not forward signals to it).
    execFileSync(...run(path.join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', mode, '-w']), { stdio: 'pipe' });
    await exited;
  };
  await launch();
  return {
    url,
    async stop() {
      await halt('fast');
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt('immediate');
      await launch();
    },
  };
}

/** A fresh database in the cluster, so test files do not share state. */
export async function createDatabase(url: string, name: string): Promise<string> {
  const c = new pg.Client(url);
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return url.replace(/\/postgres$/, `/${name}`);
}
