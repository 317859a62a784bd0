/**
 * Embedded default: PGlite (PostgreSQL compiled to WASM) in a data folder. PGlite serves one
 * process per folder; a second process would corrupt it, so the folder is guarded by a lock
 * file holding the owner's pid, and a second process fails with a clear message instead.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable } from './db.ts';

export class DataDirLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`the data folder ${dir} is in use by process ${pid}; stop it first, or set KUAICHU_DATA_DIR to another folder`);
  }
}

function lock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kuaichu.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (existsSync(file) && readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dir, pid);
      unlinkSync(file); // the owner died without cleaning up: take over
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `dir` undefined = in memory (tests). */
export async function openPglite(dir?: string): Promise<Db> {
  const unlock = dir ? lock(path.join(dir, 'pg')) : () => {};
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir ? path.join(dir, 'pg') : undefined);
  } catch (err) {
    unlock();
    throw err;
  }
  const wrap = (q: { query: PGlite['query'] }): Queryable => ({
    query: async <T>(sql: string, params: readonly unknown[] = []) => (await q.query<T>(sql, params as unknown[])).rows,
  });
  return {
    kind: 'pglite',
    ...wrap(pg),
    tx: (fn) => pg.transaction((t) => fn(wrap(t))),
    exec: async (sql) => void (await pg.exec(sql)),
    listen: async (channel, handler) => {
      const unsubscribe = await pg.listen(channel, handler);
      return async () => unsubscribe();
    },
    close: async () => {
      await pg.close();
      unlock();
    },
  };
}
