/**
 * Embedded default: PGlite (PostgreSQL compiled to WASM) in a data folder. PGlite serves one
 * process per folder; a second process would corrupt it, so the folder is guarded by a lock
 * file holding the owner's pid, and a second process fails with a clear message instead.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { APP_ROLE, type Db, type Queryable } from './db.ts';
import { lockDataDir as lock } from './dataDirLock.ts';

export { DataDirLockedError } from './dataDirLock.ts';

/**
 * PostgreSQL's shared buffers inside the WebAssembly heap. The default, 128 MB, is touched at start
 * and so is resident for good (~120 MB of the server's RSS); one embedded process with one
 * connection and a small database does not need it: reads that miss these buffers still hit the
 * operating system's page cache (NODEFS reads real files). KUAICHU_PGLITE_SHARED_BUFFERS overrides it.
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

/**
 * A fresh data folder: PGlite runs initdb in a second WebAssembly instance whose memory the
 * process keeps after it is gone (~130 MB more RSS for good than a restart on the same folder,
 * measured with `npm run bench:cities`). So initdb runs in a child process that exits, and this
 * process opens a folder that already exists.
 */
async function initdbApart(folder: string, startParams: string[]): Promise<void> {
  if (existsSync(path.join(folder, 'PG_VERSION'))) return;
  const script = fileURLToPath(new URL('./pgliteInitdb.mjs', import.meta.url));
  await promisify(execFile)(process.execPath, [script, folder, JSON.stringify(startParams)], { timeout: 120_000 });
}

/** `dir` undefined = in memory (tests). */
export async function openPglite(dir?: string, opts: { sharedBuffers?: string } = {}): Promise<Db> {
  const unlock = dir ? lock(path.join(dir, 'pg')) : () => {};
  let pg: PGlite;
  const sharedBuffers = opts.sharedBuffers ?? process.env.KUAICHU_PGLITE_SHARED_BUFFERS ?? PGLITE_SHARED_BUFFERS;
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`];
  try {
    if (dir) await initdbApart(path.join(dir, 'pg'), startParams);
    pg = await PGlite.create(dir ? path.join(dir, 'pg') : undefined, { startParams });
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
