/** The `case_events` table: a case's history and the outbox the relay empties. */
import type { Queryable } from '../db/db.ts';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { CaseEvent } from '../events/caseEvent.ts';
import type { CaseEventType } from '../cases/transitions.ts';

/** A `case_events` row as selected by EVENT_COLUMNS. */
export interface CaseEventRow { tenant: string; case_id: string; id: string; seq: number; type: CaseEventType; at: Date | string; actor: string; payload: never }
export const EVENT_COLUMNS = 'tenant, case_id, id, seq, type, at, actor, payload';

/** The event (the bus envelope, schemas/events/envelope.schema.json) of a stored row. */
export function eventFromRow(r: CaseEventRow): CaseEvent {
  return { id: r.id, tenant: r.tenant, caseId: r.case_id, seq: r.seq, type: r.type, at: new Date(r.at).toISOString(), actor: r.actor, payload: r.payload };
}

export const caseEventsRepo = {
  async insert(q: Q, e: Omit<CaseEvent, 'tenant' | 'at'> & { at: Date }): Promise<void> {
    await q.query('INSERT INTO case_events (tenant, case_id, seq, id, type, payload, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      q.tenant, e.caseId, e.seq, e.id, e.type, JSON.stringify(e.payload), e.actor, e.at,
    ]);
  },

  async ofCase(q: Q, caseId: string): Promise<CaseEvent[]> {
    const rows = await q.query<CaseEventRow>(`SELECT ${EVENT_COLUMNS} FROM case_events WHERE tenant = $1 AND case_id = $2 ORDER BY seq`, [q.tenant, caseId]);
    return rows.map(eventFromRow);
  },
};

/**
 * The outbox of every tenant, for the relay only: `q` is a transaction of
 * `acrossTenants('outbox relay', …)` (events/relay.ts).
 */
export const outboxRepo = {
  unpublished: (q: Queryable, limit: number, lock: boolean) =>
    q.query<CaseEventRow>(`SELECT ${EVENT_COLUMNS} FROM case_events WHERE published_at IS NULL ORDER BY at, seq LIMIT $1${lock ? ' FOR UPDATE SKIP LOCKED' : ''}`, [limit]),
  async markPublished(q: Queryable, ids: readonly string[]): Promise<void> {
    await q.query('UPDATE case_events SET published_at = now() WHERE id = ANY($1::uuid[])', [ids]);
  },
};
