/** The `seats` table: each seat's status and the case ringing or in call there. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { CaseRow } from '../cases/repository.ts';
import type { SeatRow } from '../cases/queue.ts';

export const seatsRepo = {
  async get(q: Q, staffId: string, opts: { lock?: boolean } = {}): Promise<SeatRow | undefined> {
    const [s] = await q.query<SeatRow>(`SELECT * FROM seats WHERE tenant = $1 AND staff_id = $2${opts.lock ? ' FOR UPDATE' : ''}`, [q.tenant, staffId]);
    return s;
  },

  async setStatus(q: Q, staffId: string, status: 'available' | 'away', now: Date): Promise<SeatRow> {
    const [u] = await q.query<SeatRow>(
      'UPDATE seats SET status = $3, idle_since = $4, updated_at = $5 WHERE tenant = $1 AND staff_id = $2 RETURNING *',
      [q.tenant, staffId, status, status === 'available' ? now : null, now],
    );
    return u!;
  },

  /** The seat to ring for `c`: its previous seat if free, else the longest idle of its brigade (of the city after overflow); locked. */
  async claimFor(q: Q, c: CaseRow, overflow: boolean): Promise<SeatRow | undefined> {
    const [seat] = await q.query<SeatRow>(
      `SELECT * FROM seats WHERE tenant = $1 AND status = 'available' AND (brigade_id = $2 OR staff_id = $3 OR $4)
       ORDER BY (staff_id = $3) DESC NULLS LAST, idle_since NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [q.tenant, c.brigade_id, c.preferred_seat, overflow],
    );
    return seat;
  },

  async ring(q: Q, staffId: string, caseId: string, now: Date): Promise<void> {
    await q.query("UPDATE seats SET status = 'ringing', case_id = $3, updated_at = $4 WHERE tenant = $1 AND staff_id = $2", [q.tenant, staffId, caseId, now]);
  },

  async busy(q: Q, staffId: string, caseId: string, now: Date): Promise<void> {
    await q.query("UPDATE seats SET status = 'busy', case_id = $3, updated_at = $4 WHERE tenant = $1 AND staff_id = $2", [q.tenant, staffId, caseId, now]);
  },

  /** Not at the desk: offered no calls. */
  async away(q: Q, staffId: string, now: Date): Promise<void> {
    await q.query("UPDATE seats SET status = 'away', case_id = NULL, idle_since = NULL, updated_at = $3 WHERE tenant = $1 AND staff_id = $2", [q.tenant, staffId, now]);
  },

  /** Free again: available, idle from now. */
  async free(q: Q, staffId: string, now: Date): Promise<void> {
    await q.query("UPDATE seats SET status = 'available', case_id = NULL, idle_since = $3, updated_at = $3 WHERE tenant = $1 AND staff_id = $2", [q.tenant, staffId, now]);
  },

  async add(q: Q, staffId: string, brigadeId: string | null): Promise<void> {
    await q.query('INSERT INTO seats (tenant, staff_id, brigade_id) VALUES ($1, $2, $3)', [q.tenant, staffId, brigadeId]);
  },
};
