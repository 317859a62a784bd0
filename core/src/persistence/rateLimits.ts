/**
 * The `rate_limit_hits` table (007_rate_limits.sql): one counter per (route, client) window,
 * shared by every server process. Only inside `acrossTenants(db, 'rate limits', …)`.
 * Times are the database's own clock (clock_timestamp()), so processes with skewed clocks
 * still share one window.
 */
import type { Queryable } from '../db/db.ts';

export const rateLimitsRepo = {
  /** Counts one hit of `key` in a window of `windowMs`; returns the hits so far and the window's remaining time. */
  async hit(q: Queryable, key: string, windowMs: number): Promise<{ hits: number; ttlMs: number }> {
    const [row] = await q.query<{ hits: number; ttl_ms: number | string }>(
      `INSERT INTO rate_limit_hits AS r (key, hits, window_ends) VALUES ($1, 1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.window_ends <= clock_timestamp() THEN 1 ELSE r.hits + 1 END,
         window_ends = CASE WHEN r.window_ends <= clock_timestamp() THEN excluded.window_ends ELSE r.window_ends END
       RETURNING hits, GREATEST(0, ceil(extract(epoch FROM window_ends - clock_timestamp()) * 1000)) AS ttl_ms`,
      [key, windowMs],
    );
    return { hits: row!.hits, ttlMs: Number(row!.ttl_ms) };
  },

  /** The hits of `key`'s window now (0 when none or over), without counting one. */
  async read(q: Queryable, key: string): Promise<{ hits: number; ttlMs: number }> {
    const [row] = await q.query<{ hits: number; ttl_ms: number | string }>(
      `SELECT hits, ceil(extract(epoch FROM window_ends - clock_timestamp()) * 1000) AS ttl_ms
       FROM rate_limit_hits WHERE key = $1 AND window_ends > clock_timestamp()`, [key]);
    return row ? { hits: row.hits, ttlMs: Number(row.ttl_ms) } : { hits: 0, ttlMs: 0 };
  },

  /** Forgets windows that ended more than a minute ago. */
  async sweep(q: Queryable): Promise<number> {
    const rows = await q.query("DELETE FROM rate_limit_hits WHERE window_ends < clock_timestamp() - interval '1 minute' RETURNING 1");
    return rows.length;
  },
};
