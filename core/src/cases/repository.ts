/**
 * The only code that changes a case's state. Each change locks the case row, checks the
 * transition table, appends the domain event with the next per-case sequence (the outbox) and
 * updates the row — all in the caller's transaction, so a state never exists without its event.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import type { AccidentReport, ChannelId, Decision } from '../generated/types.ts';
import type { CaseEvent, EventPayloads } from '../events/caseEvent.ts';
import { Errors } from '../errors.ts';
import { schemaRegistry } from '../schemas.ts';
import { nextState, type CaseEventType, type CaseState } from './transitions.ts';

export type { CaseEvent, EventPayloads } from '../events/caseEvent.ts';

/** A case (案件) as stored. */
export interface CaseRow {
  tenant: string;
  id: string;
  number: string;
  state: CaseState;
  seq: number;
  client_key: string;
  party_phone: string;
  channel: ChannelId;
  district: string | null;
  brigade_id: string | null;
  report: AccidentReport;
  decision: Decision;
  reported_at: Date;
  queued_at: Date | null;
  queue_priority: number;
  ring_seat: string | null;
  ring_deadline: Date | null;
  seat_id: string | null;
  preferred_seat: string | null;
  answered_at: Date | null;
  interrupted_at: Date | null;
  updated_at: Date;
}

export type CasePatch = Partial<Pick<CaseRow,
  'queued_at' | 'queue_priority' | 'ring_seat' | 'ring_deadline' | 'seat_id' | 'preferred_seat' | 'answered_at' | 'interrupted_at'>>;

/** Reads a case of a tenant, locking it for the transaction; 404 when absent (or another tenant's). */
export async function lockCase(q: Queryable, tenant: string, id: string): Promise<CaseRow> {
  if (!isUuid(id)) throw Errors.caseNotFound();
  const [row] = await q.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id]);
  if (!row) throw Errors.caseNotFound();
  return row;
}

export async function getCase(q: Queryable, tenant: string, id: string): Promise<CaseRow> {
  if (!isUuid(id)) throw Errors.caseNotFound();
  const [row] = await q.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND id = $2', [tenant, id]);
  if (!row) throw Errors.caseNotFound();
  return row;
}

/** Throws the 409 a transition would, before doing outside work that must not happen otherwise. */
export function assertAllowed(c: CaseRow, type: CaseEventType): void {
  if (!nextState(c.state, type)) throw Errors.transitionNotAllowed(`“${type}” is not allowed while the case is ${c.state}`, { state: c.state, event: type });
}

/**
 * Applies an event to a locked case: checks the table, appends the event, updates state and
 * the given columns. Returns the event (for notifying after commit).
 */
export async function transition<T extends CaseEventType>(
  q: Queryable,
  c: CaseRow,
  type: T,
  payload: EventPayloads[T],
  actor: string,
  at: Date,
  patch: CasePatch = {},
): Promise<CaseEvent<T>> {
  assertAllowed(c, type);
  const to = nextState(c.state, type)!;
  const event = await appendEvent(q, c.tenant, c.id, c.seq + 1, type, payload, actor, at);
  const cols = Object.keys(patch) as (keyof CasePatch)[];
  const sets = cols.map((k, i) => `${k} = $${i + 5}`);
  await q.query(
    `UPDATE cases SET state = $3, seq = $4, updated_at = $${cols.length + 5}${sets.length ? ', ' + sets.join(', ') : ''} WHERE tenant = $1 AND id = $2`,
    [c.tenant, c.id, to, c.seq + 1, ...cols.map((k) => patch[k]), at],
  );
  Object.assign(c, patch, { state: to, seq: c.seq + 1, updated_at: at });
  return event;
}

/** Inserts an event row after checking its payload against schemas/events/<type>.schema.json. */
export async function appendEvent<T extends CaseEventType>(
  q: Queryable,
  tenant: string,
  caseId: string,
  seq: number,
  type: T,
  payload: EventPayloads[T],
  actor: string,
  at: Date,
): Promise<CaseEvent<T>> {
  assertEventPayload(type, payload);
  const id = randomUUID();
  await q.query('INSERT INTO case_events (tenant, case_id, seq, id, type, payload, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    tenant, caseId, seq, id, type, JSON.stringify(payload), actor, at,
  ]);
  return { id, tenant, caseId, seq, type, at: at.toISOString(), actor, payload };
}

/** Every event payload is checked against schemas/events/<type>.schema.json before it is written. */
export function assertEventPayload<T extends CaseEventType>(type: T, payload: EventPayloads[T]): void {
  const validate = schemaRegistry().validator(`events/${type}.schema.json`);
  if (!validate(payload)) throw new Error(`event ${type} payload does not match its schema: ${JSON.stringify(validate.errors)}`);
}

/** A `case_events` row as selected by EVENT_COLUMNS. */
export interface CaseEventRow { tenant: string; case_id: string; id: string; seq: number; type: CaseEventType; at: Date | string; actor: string; payload: never }
export const EVENT_COLUMNS = 'tenant, case_id, id, seq, type, at, actor, payload';

/** The event (the bus envelope, schemas/events/envelope.schema.json) of a stored row. */
export function eventFromRow(r: CaseEventRow): CaseEvent {
  return { id: r.id, tenant: r.tenant, caseId: r.case_id, seq: r.seq, type: r.type, at: new Date(r.at).toISOString(), actor: r.actor, payload: r.payload };
}

export async function caseEvents(q: Queryable, tenant: string, caseId: string): Promise<CaseEvent[]> {
  const rows = await q.query<CaseEventRow>(`SELECT ${EVENT_COLUMNS} FROM case_events WHERE tenant = $1 AND case_id = $2 ORDER BY seq`, [tenant, caseId]);
  return rows.map(eventFromRow);
}

/** Rebuilds a case's state from its events alone (the table is the only rule used). */
export function replayState(events: readonly Pick<CaseEvent, 'type' | 'seq'>[]): CaseState | null {
  let state: CaseState | null = null;
  let seq = 0;
  for (const e of events) {
    if (e.seq !== seq + 1) throw new Error(`event sequence gap: ${seq} → ${e.seq}`);
    const next = nextState(state, e.type);
    if (!next) throw new Error(`event ${e.type} is not allowed in state ${state}`);
    state = next;
    seq = e.seq;
  }
  return state;
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
