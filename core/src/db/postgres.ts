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
  const poolOf = (options?: string, connectionString = url) => {
    const p = new pg.Pool({ connectionString, max: opts.max ?? 10, ...(options ? { options } : {}) });
    // An idle connection the server ends (PostgreSQL restarted, a failover, an idle timeout) is
    // an 'error' event of the pool: unheard, it would end the process (found by the crash proof,
    // issue 16). The pool drops that connection and opens a new one for the next query.
    p.on('error', () => {});
    return p;
  };
  const appConnection = () => (opts.appUrl ? { connectionString: opts.appUrl } : { connectionString: url, options: `-c role=${APP_ROLE}` });
  let pool = poolOf();
  let restricted = false;
  // Fail at start, not at the first request, when the database cannot be reached.
  (await pool.connect()).release();
  const listeners = new Set<pg.Client>();
  let closed = false;
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <T>(sql: string, params: readonly unknown[] = []) => (await c.query(sql, params as unknown[])).rows as T[],
  });
  return {
    kind: 'postgres',
    query: (sql, params) => wrap(pool).query(sql, params),
    async tx(fn, settings = {}) {
      const client = await pool.connect();
      // A checked-out connection the server ends while no statement of it runs (PostgreSQL restarted
      // while the relay's transaction waits for Kafka) is an 'error' event of the client, which the
      // pool does not hear for a client in use: unheard, it ended the process (found by the crash
      // proof with --faults, issue 16). The next statement fails, the transaction rolls back, and the
      // broken connection is given back as such (the pool drops it).
      let broken: Error | undefined;
      const onError = (err: Error) => (broken ??= err);
      client.on('error', onError);
      try {
        // One round trip: BEGIN and the settings as one simple query (literals escaped, no parameters there).
        const sets = Object.entries(settings).map(([name, value]) => `SELECT set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`);
        await client.query(['BEGIN', ...sets].join('; '));
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken ??= e));
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    exec: async (sql) => void (await pool.query(sql)),
    async listen(channel, handler) {
      // LISTEN needs a connection of its own for as long as it listens. When the server ends it
      // (PostgreSQL restarted), it is opened again and LISTEN repeated, with back-off, until it
      // is unsubscribed: notes sent meanwhile are missed, which every listener tolerates (the
      // relay and the profile watcher also poll). Unheard, its 'error' ended the process.
      let current: pg.Client | null = null;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const open = async (): Promise<void> => {
        const client = new pg.Client(restricted ? appConnection() : { connectionString: url });
        client.on('error', () => {}); // followed by 'end', handled there
        client.on('notification', (n) => n.channel === channel && handler(n.payload ?? ''));
        client.on('end', () => {
          listeners.delete(client);
          if (current !== client) return;
          current = null;
          again(500);
        });
        try {
          await client.connect();
          await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        } catch (err) {
          await client.end().catch(() => {});
          throw err;
        }
        if (stopped || closed) {
          await client.end().catch(() => {});
          return;
        }
        current = client;
        listeners.add(client);
      };
      const again = (delayMs: number) => {
        if (stopped || closed) return;
        retry = setTimeout(() => void open().catch(() => again(Math.min(delayMs * 2, 10_000))), delayMs);
        retry.unref();
      };
      await open();
      return async () => {
        stopped = true;
        clearTimeout(retry);
        const client = current;
        current = null;
        if (client) {
          listeners.delete(client);
          await client.end().catch(() => {});
        }
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
      closed = true;
      for (const c of listeners) await c.end().catch(() => {});
      listeners.clear();
      await pool.end();
    },
  };
}
