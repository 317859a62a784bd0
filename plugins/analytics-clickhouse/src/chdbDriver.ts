/**
 * Embedded default: chdb, ClickHouse's engine in this process, data in a folder (./data/analytics).
 * The engine binds one folder per process and must not be opened by two processes, so the
 * folder is locked like PGlite's (a second process fails with a clear message).
 */
import { createRequire } from 'node:module';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Session } from 'chdb';
import { lockDataDir } from '@kuaichu/core/db/dataDirLock';
import type { ClickHouseDriver, Row } from './driver.ts';
import { str, tsvRows } from './sql.ts';

/**
 * chdb parses data handed inline on one thread (~25 MB/s here); a file it reads with
 * `INSERT … FROM INFILE` is parsed in parallel (~5× faster, measured with 1.1 M events), so
 * big batches (a backlog after an outage, the benchmark) go through a temp file in the folder.
 */
const INLINE_LIMIT = 4 * 1024 * 1024;
let files = 0;

export function openChdb(dir: string): ClickHouseDriver {
  const unlock = lockDataDir(dir);
  let session: Session;
  try {
    // Loaded here, not at import: the engine's library costs ~150 MB of RSS as soon as it is
    // loaded, which a server on a ClickHouse server (CLICKHOUSE_URL) must not pay (bench:cities).
    const chdb = createRequire(import.meta.url)('chdb') as typeof import('chdb');
    session = new chdb.Session(dir);
  } catch (err) {
    unlock();
    throw err;
  }
  let closed = false;
  return {
    kind: 'chdb',
    async exec(sql) {
      await session.queryAsync(sql, { format: 'TSV' });
    },
    async select<T>(sql: string) {
      const text = (await session.queryAsync(sql, { format: 'JSONEachRow' })).text();
      return { data: text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as T) };
    },
    async insert(table, rows: readonly Row[]) {
      if (!rows.length) return;
      const columns = Object.keys(rows[0]!);
      const body = tsvRows(rows, columns);
      if (body.length < INLINE_LIMIT) {
        await session.insert({ table, values: Buffer.from(body), format: 'TSV', columns });
        return;
      }
      const file = path.join(dir, `.insert-${process.pid}-${++files}.tsv`);
      await writeFile(file, body);
      try {
        await session.queryAsync(`INSERT INTO ${table} (${columns.join(', ')}) FROM INFILE ${str(file)} FORMAT TabSeparated`, { format: 'TSV' });
      } finally {
        await rm(file, { force: true });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      session.close();
      unlock();
    },
  };
}
