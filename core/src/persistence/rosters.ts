/** The `seat_shifts` table (排班) and seats' skills: a seat's weekly shifts in the city's local time. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { Shift } from '../roster/roster.ts';

export interface ShiftRow extends Shift {
  staff_id: string;
}

export const rostersRepo = {
  /** Every shift of the tenant (a roster is small: seats × a week). */
  all: (q: Q) => q.query<ShiftRow>('SELECT staff_id, weekday, starts, ends FROM seat_shifts WHERE tenant = $1 ORDER BY staff_id, weekday, starts', [q.tenant]),

  of: (q: Q, staffId: string) =>
    q.query<ShiftRow>('SELECT staff_id, weekday, starts, ends FROM seat_shifts WHERE tenant = $1 AND staff_id = $2 ORDER BY weekday, starts', [q.tenant, staffId]),

  /** Replaces a seat's shifts with `shifts`. */
  async replace(q: Q, staffId: string, shifts: readonly Shift[], ids: readonly string[], now: Date): Promise<void> {
    await q.query('DELETE FROM seat_shifts WHERE tenant = $1 AND staff_id = $2', [q.tenant, staffId]);
    for (const [i, s] of shifts.entries()) {
      await q.query('INSERT INTO seat_shifts (tenant, id, staff_id, weekday, starts, ends, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        q.tenant, ids[i], staffId, s.weekday, s.starts, s.ends, now,
      ]);
    }
  },

  async setSkills(q: Q, staffId: string, skills: readonly string[]): Promise<void> {
    await q.query('UPDATE seats SET skills = $3 WHERE tenant = $1 AND staff_id = $2', [q.tenant, staffId, skills]);
  },

  /** A seat by its staff user name (of this tenant only), locked. */
  async seatByUsername(q: Q, username: string): Promise<{ staff_id: string; skills: string[] } | undefined> {
    const [r] = await q.query<{ staff_id: string; skills: string[] }>(
      'SELECT s.staff_id, s.skills FROM seats s JOIN staff st ON st.tenant = s.tenant AND st.id = s.staff_id WHERE s.tenant = $1 AND st.username = $2 FOR UPDATE OF s', [q.tenant, username]);
    return r;
  },

  /** The tenant's seats with their names, brigade, status and skills (for the roster screen and the wallboard). */
  seats: (q: Q) =>
    q.query<{ staff_id: string; username: string; display_name: string; brigade_id: string | null; status: string; case_id: string | null; skills: string[]; updated_at: Date }>(
      `SELECT s.staff_id, st.username, st.display_name, s.brigade_id, s.status, s.case_id, s.skills, s.updated_at
       FROM seats s JOIN staff st ON st.tenant = s.tenant AND st.id = s.staff_id WHERE s.tenant = $1 ORDER BY st.username`, [q.tenant]),
};
