/**
 * The system of record behind one small port: Postgres SQL written once, run by PGlite
 * (embedded, `npm start`) or PostgreSQL (`DATABASE_URL`, production and the integration tests).
 */
export interface Queryable {
  /** Rows of a parameterised statement ($1, $2 …). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** The role the app runs as once migrated (004_row_security.sql): no superuser, no BYPASSRLS, owns nothing. */
export const APP_ROLE = 'kuaichu_app';

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction; rolls back when it throws. `settings` are set for the
   * transaction only (`set_config(name, value, true)`), with BEGIN in one round trip.
   */
  tx<T>(fn: (q: Queryable) => Promise<T>, settings?: Readonly<Record<string, string>>): Promise<T>;
  /** Several statements at once, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Calls `handler` for each NOTIFY on `channel` (delivered after the sender's commit). Returns an unsubscribe. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * From now on every statement runs as APP_ROLE, which row-level security binds (the owner
   * that migrated does not get the connections back). Call after `migrate`.
   */
  restrict(): Promise<void>;
  /** True once `restrict` ran. */
  readonly restricted: boolean;
  close(): Promise<void>;
}
