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

  /**
   * The seat to ring for `c`: its previous seat if free, else the longest idle of its brigade (of the city after
   * overflow); locked. `onShift`: only these seats (null: no roster, any seat). `skill`: before overflow only seats
   * with it, its brigade's first, then any brigade's; after overflow any seat, skilled ones first.
   */
  async claimFor(q: Q, c: CaseRow, overflow: boolean, opts: { onShift?: readonly string[] | null; skill?: string | null } = {}): Promise<SeatRow | undefined> {
    const [seat] = await q.query<SeatRow>(
      `SELECT * FROM seats WHERE tenant = $1 AND status = 'available' AND ($5::uuid[] IS NULL OR staff_id = ANY($5::uuid[]))
         AND (staff_id = $3 OR $4 OR (CASE WHEN $6::text IS NULL THEN brigade_id = $2 ELSE $6::text = ANY(skills) END))
       ORDER BY (staff_id = $3) DESC NULLS LAST, ($6::text IS NOT NULL AND $6::text = ANY(skills)) DESC,
         (CASE WHEN $6::text IS NOT NULL THEN brigade_id = $2 END) DESC NULLS LAST, idle_since NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [q.tenant, c.brigade_id, c.preferred_seat, overflow, opts.onShift ?? null, opts.skill ?? null],
    );
    return seat;
  },

  /** A named seat, if it is available (a supervisor's reassignment); locked. */
  async claimNamed(q: Q, staffId: string): Promise<SeatRow | undefined> {
    const [seat] = await q.query<SeatRow>("SELECT * FROM seats WHERE tenant = $1 AND staff_id = $2 AND status = 'available' FOR UPDATE", [q.tenant, staffId]);
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

  /** Tells every process's live pushes that a seat changed (the wallboard), when the transaction commits; no case, no personal data. */
  async announce(q: Q, channel: string, staffId: string): Promise<void> {
    await q.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ tenant: q.tenant, seat: staffId })]);
  },

  async add(q: Q, staffId: string, brigadeId: string | null): Promise<void> {
    await q.query('INSERT INTO seats (tenant, staff_id, brigade_id) VALUES ($1, $2, $3)', [q.tenant, staffId, brigadeId]);
  },
};
