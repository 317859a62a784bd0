/**
 * The `job_slots` table (017_job_slots.sql): when each one-process background job is next due.
 * Only inside `acrossTenants(db, 'job slots', …)`. Times are the database's clock.
 */
import type { Queryable } from '../db/db.ts';

export const jobSlotsRepo = {
  /**
   * Claims the run of `name` that is due now, for `holder`: true for exactly one claimant per
   * period of `everyMs` (the row lock orders concurrent claims; the loser finds it not due).
   */
  async claim(q: Queryable, name: string, everyMs: number, holder: string): Promise<boolean> {
    const rows = await q.query(
      `INSERT INTO job_slots AS s (name, next_at, claimed_by, claimed_at)
       VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond', $3, clock_timestamp())
       ON CONFLICT (name) DO UPDATE SET next_at = excluded.next_at, claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
         WHERE s.next_at <= clock_timestamp()
       RETURNING 1`,
      [name, everyMs, holder],
    );
    return rows.length === 1;
  },

  /** Who ran `name` last and when it is next due (operations, tests). */
  async read(q: Queryable, name: string): Promise<{ claimedBy: string; claimedAt: Date; nextAt: Date } | null> {
    const [row] = await q.query<{ claimed_by: string; claimed_at: Date; next_at: Date }>('SELECT claimed_by, claimed_at, next_at FROM job_slots WHERE name = $1', [name]);
    return row ? { claimedBy: row.claimed_by, claimedAt: new Date(row.claimed_at), nextAt: new Date(row.next_at) } : null;
  },
};
