/** What the duty supervisor's wallboard reads (班长看板): waiting cases, seats with their calls, today's answers. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { AccidentReport } from '../generated/types.ts';

export interface WaitingRow {
  id: string;
  number: string;
  state: 'queued' | 'ringing';
  brigade_id: string | null;
  queued_at: Date;
  ring_seat: string | null;
  report: AccidentReport;
}

export interface WallSeatRow {
  staff_id: string;
  username: string;
  display_name: string;
  brigade_id: string | null;
  status: 'away' | 'available' | 'ringing' | 'busy';
  case_id: string | null;
  case_number: string | null;
  skills: string[];
  updated_at: Date;
}

export const supervisionRepo = {
  /** Queued and ringing cases in queue order. */
  waiting: (q: Q) =>
    q.query<WaitingRow>(`SELECT id, number, state, brigade_id, COALESCE(queued_at, reported_at) AS queued_at, ring_seat, report FROM cases
       WHERE tenant = $1 AND state IN ('queued', 'ringing') ORDER BY queue_priority DESC, queued_at LIMIT 200`, [q.tenant]),

  seats: (q: Q) =>
    q.query<WallSeatRow>(`SELECT s.staff_id, st.username, st.display_name, s.brigade_id, s.status, s.case_id, c.number AS case_number, s.skills, s.updated_at
       FROM seats s JOIN staff st ON st.tenant = s.tenant AND st.id = s.staff_id
       LEFT JOIN cases c ON c.tenant = s.tenant AND c.id = s.case_id
       WHERE s.tenant = $1 ORDER BY s.brigade_id NULLS LAST, st.username`, [q.tenant]),

  /**
   * Since `from`: cases answered (their first answer then), those answered within `targetSeconds` of
   * waiting, and cases the party left while waiting (reason party_left).
   */
  async today(q: Q, from: Date, targetSeconds: number): Promise<{ answered: number; within: number; abandoned: number }> {
    const [r] = await q.query<{ answered: string; within: string; abandoned: string }>(
      `WITH first AS (
         SELECT DISTINCT ON (case_id) case_id, (payload->>'waitSeconds')::float AS wait FROM case_events
         WHERE tenant = $1 AND type = 'case.answered' AND at >= $2 ORDER BY case_id, seq)
       SELECT (SELECT count(*) FROM first) AS answered,
              (SELECT count(*) FROM first WHERE wait <= $3) AS within,
              (SELECT count(DISTINCT case_id) FROM case_events WHERE tenant = $1 AND type = 'case.abandoned' AND at >= $2 AND payload->>'reason' = 'party_left') AS abandoned`,
      [q.tenant, from, targetSeconds]);
    return { answered: Number(r!.answered), within: Number(r!.within), abandoned: Number(r!.abandoned) };
  },
};
