/**
 * Embedded default: PGlite (PostgreSQL compiled to WASM) in a data folder. PGlite serves one
 * process per folder; a second process would corrupt it, so the folder is guarded by a lock
 * file holding the owner's pid, and a second process fails with a clear message instead.
 */
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { APP_ROLE, type Db, type Queryable } from './db.ts';
import { lockDataDir as lock } from './dataDirLock.ts';

export { DataDirLockedError } from './dataDirLock.ts';

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
  let restricted = false;
  return {
    kind: 'pglite',
    ...wrap(pg),
    tx: (fn, settings = {}) => pg.transaction(async (t) => {
      for (const [name, value] of Object.entries(settings)) await t.query('SELECT set_config($1, $2, true)', [name, value]);
      return fn(wrap(t));
    }),
    exec: async (sql) => void (await pg.exec(sql)),
    listen: async (channel, handler) => {
      const unsubscribe = await pg.listen(channel, handler);
      return async () => unsubscribe();
    },
    // PGlite has one connection, opened as the superuser: the session takes the app role for good.
    async restrict() {
      if (restricted) return;
      await pg.exec(`SET ROLE ${APP_ROLE}`);
      restricted = true;
    },
    get restricted() {
      return restricted;
    },
    close: async () => {
      await pg.close();
      unlock();
    },
  };
}
