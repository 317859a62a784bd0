/**
 * The store behind @fastify/rate-limit: counters in PostgreSQL (persistence/rateLimits.ts), so
 * a limit holds across every server process on the same database instead of per process
 * (the plugin's default LRU). A route's store is a child keyed by its method and URL pattern;
 * the client's key (clientAddress.ts) is hashed with it, so no address is written down.
 */
import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../db/db.ts';
import { acrossTenants } from '../db/tenantDb.ts';
import { rateLimitsRepo } from '../persistence/rateLimits.ts';

type Done = (err: Error | null, res?: { current: number; ttl: number }) => void;
/** What the plugin hands a route's store (its merged options, with the route). */
type RouteOptions = { routeInfo?: { method?: string | string[]; url?: string } };

/** Every this many hits a store also forgets ended windows (the table stays small without a timer). */
const SWEEP_EVERY = 500;

/** The store class the plugin instantiates (`store` option): it takes the database from here. */
export function postgresRateLimitStore(db: Db) {
  let hitsSinceSweep = 0;
  const across = <T>(fn: (q: Queryable) => Promise<T>) => acrossTenants(db, 'rate limits', fn);

  return class PostgresRateLimitStore {
    readonly #route: string;

    constructor(options: unknown = {}) {
      const info = (options as RouteOptions).routeInfo;
      this.#route = info?.url ? `${[info.method ?? ''].flat().join(',')} ${info.url}` : 'global';
    }

    #key(client: string): string {
      return createHash('sha256').update(`${this.#route}\n${client}`).digest('hex');
    }

    incr(client: string, done: Done, timeWindow: number): void {
      const sweep = ++hitsSinceSweep >= SWEEP_EVERY;
      if (sweep) hitsSinceSweep = 0;
      across(async (q) => {
        const r = await rateLimitsRepo.hit(q, this.#key(client), timeWindow);
        if (sweep) await rateLimitsRepo.sweep(q);
        return r;
      }).then((r) => done(null, { current: r.hits, ttl: r.ttlMs }), (err: Error) => done(err));
    }

    read(client: string, done: Done): void {
      across((q) => rateLimitsRepo.read(q, this.#key(client)))
        .then((r) => done(null, { current: r.hits, ttl: r.ttlMs }), (err: Error) => done(err));
    }

    child(routeOptions: unknown) {
      return new PostgresRateLimitStore(routeOptions);
    }
  };
}
