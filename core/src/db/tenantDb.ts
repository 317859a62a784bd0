/**
 * Tenant scoping, the one mechanism: row-level security (004_row_security.sql) shows a
 * statement only the rows of the tenant its transaction named with
 * `set_config('kuaichu.tenant', …, true)`. A statement that names none sees no row of any
 * tenant table and can write none, so a forgotten filter fails closed.
 *
 * - `forTenant(db, tenant)`: the tenant-bound access handed out per request and per job;
 *   every query and transaction through it runs with the tenant set.
 * - `acrossTenants(db, reason, fn)`: the one door for work that genuinely spans tenants (the
 *   outbox relay, a session looked up by its token, a document verified by its code). It
 *   must be named; the name is set as `kuaichu.across`, which the policies accept.
 *   Grep for `acrossTenants(` to see every use.
 */
import type { Db, Queryable } from './db.ts';

/** Statements that see only `tenant`'s rows: a TenantDb, or a transaction it began. Repositories take this. */
export interface TenantQueryable extends Queryable {
  readonly tenant: string;
}

export interface TenantDb extends TenantQueryable {
  /** Runs `fn` in one transaction scoped to the tenant; rolls back when it throws. */
  tx<T>(fn: (q: TenantQueryable) => Promise<T>): Promise<T>;
}


export function forTenant(db: Db, tenant: string): TenantDb {
  if (!tenant) throw new Error('forTenant: no tenant');
  const tx = <T>(fn: (q: TenantQueryable) => Promise<T>): Promise<T> =>
    db.tx((q) => fn({ tenant, query: (sql, params) => q.query(sql, params) }), { 'kuaichu.tenant': tenant });
  return { tenant, tx, query: (sql, params) => tx((q) => q.query(sql, params)) };
}

/** Runs `fn` in one transaction that sees every tenant's rows, for the reason given (required). */
export async function acrossTenants<T>(db: Db, reason: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
  if (!reason.trim()) throw new Error('acrossTenants: name the reason for reading across tenants');
  return db.tx(fn, { 'kuaichu.across': reason });
}

/**
 * The tenant-scoped form of `q`: a whole database is bound to `tenant`; a transaction handle
 * is taken as it is (its transaction set its tenant when it began, see `forTenant().tx`).
 */
export function scoped(q: Queryable, tenant: string): TenantQueryable {
  if (isDb(q)) return forTenant(q, tenant);
  const bound = (q as Partial<TenantQueryable>).tenant;
  if (bound !== undefined && bound !== tenant) throw new Error(`a transaction of ${bound} cannot act for ${tenant}`);
  return { tenant, query: (sql, params) => q.query(sql, params) };
}

function isDb(q: Queryable): q is Db {
  return typeof (q as Partial<Db>).tx === 'function' && typeof (q as Partial<Db>).listen === 'function';
}
