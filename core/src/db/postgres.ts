/** Production driver: PostgreSQL through a `pg` pool (`DATABASE_URL`). */
import pg from 'pg';
import { APP_ROLE, type Db, type Queryable } from './db.ts';

export interface PostgresOptions {
  max?: number;
  /**
   * Where the app connects once restricted, signing in as the app role itself
   * (KUAICHU_APP_DATABASE_URL, e.g. postgres://kuaichu_app:…@host/db): then no statement can
   * return to the owner. Without it the owner's URL is used with the role set at connection
   * start, which RESET ROLE keeps, but which an explicit SET ROLE NONE would leave.
   */
  appUrl?: string;
}

export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const poolOf = (options?: string, connectionString = url) => new pg.Pool({ connectionString, max: opts.max ?? 10, ...(options ? { options } : {}) });
  const appConnection = () => (opts.appUrl ? { connectionString: opts.appUrl } : { connectionString: url, options: `-c role=${APP_ROLE}` });
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
    async tx(fn, settings = {}) {
      const client = await pool.connect();
      try {
        // One round trip: BEGIN and the settings as one simple query (literals escaped, no parameters there).
        const sets = Object.entries(settings).map(([name, value]) => `SELECT set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`);
        await client.query(['BEGIN', ...sets].join('; '));
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
      const client = new pg.Client(restricted ? appConnection() : { connectionString: url });
      await client.connect();
      client.on('notification', (n) => n.channel === channel && handler(n.payload ?? ''));
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end();
      };
    },
    // Migrations ran as the URL's user (the owner); the app's pool now signs in as the app role
    // (appUrl), or opens the owner's connections with the app role set at start.
    async restrict() {
      if (restricted) return;
      const app = appConnection();
      const next = poolOf(app.options, app.connectionString);
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
