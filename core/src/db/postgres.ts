/** Production driver: PostgreSQL through a `pg` pool (`DATABASE_URL`). */
import pg from 'pg';
import { APP_ROLE, type Db, type Queryable } from './db.ts';

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const poolOf = (options?: string) => new pg.Pool({ connectionString: url, max: opts.max ?? 10, ...(options ? { options } : {}) });
  let pool = poolOf();
  let restricted = false;
  // Fail at start, not at the first request, when the database cannot be reached.
  (await pool.connect()).release();
  const listeners = new Set<pg.Client>();
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <T>(sql: string, params: readonly unknown[] = []) => (await c.query(sql, params as unknown[])).rows as T[],
  });
  return {
    kind: 'postgres',
    query: (sql, params) => wrap(pool).query(sql, params),
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => void (await pool.query(sql)),
    async listen(channel, handler) {
      // LISTEN needs a connection of its own for as long as it listens.
      const client = new pg.Client({ connectionString: url, ...(restricted ? { options: `-c role=${APP_ROLE}` } : {}) });
      await client.connect();
      client.on('notification', (n) => n.channel === channel && handler(n.payload ?? ''));
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end();
      };
    },
    // Migrations ran as the URL's user (the owner); the app's pool now opens every connection
    // with the app role set at start (RESET ROLE returns to it, not to the owner).
    async restrict() {
      if (restricted) return;
      const next = poolOf(`-c role=${APP_ROLE}`);
      (await next.connect()).release();
      const old = pool;
      pool = next;
      restricted = true;
      await old.end();
    },
    get restricted() {
      return restricted;
    },
    async close() {
      for (const c of listeners) await c.end().catch(() => {});
      listeners.clear();
      await pool.end();
    },
  };
}
