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
import { scoped } from '../db/tenantDb.ts';
import { casesRepo } from '../persistence/cases.ts';
import { caseEventsRepo } from '../persistence/caseEvents.ts';
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
  /** The published profile version it was decided under; null = the file in cities/ (006_profile_versions.sql). */
  profile_version: number | null;
  /** video (a seat on a call) or photo (事故快处, 010_photo_path.sql). */
  path: 'video' | 'photo';
  /** Party B (乙方) once they joined a photo case from their own phone; party_phone is party A. */
  party_b_phone: string | null;
}

export type CasePatch = Partial<Pick<CaseRow,
  'queued_at' | 'queue_priority' | 'ring_seat' | 'ring_deadline' | 'seat_id' | 'preferred_seat' | 'answered_at' | 'interrupted_at'>>;

/** Reads a case of a tenant, locking it for the transaction; 404 when absent (or another tenant's). */
export async function lockCase(q: Queryable, tenant: string, id: string): Promise<CaseRow> {
  if (!isUuid(id)) throw Errors.caseNotFound();
  const row = await casesRepo.get(scoped(q, tenant), id, { lock: true });
  if (!row) throw Errors.caseNotFound();
  return row;
}

/** Reads a case of a tenant (`q` a transaction of that tenant, or the database); 404 when absent. */
export async function getCase(q: Queryable, tenant: string, id: string): Promise<CaseRow> {
  if (!isUuid(id)) throw Errors.caseNotFound();
  const row = await casesRepo.get(scoped(q, tenant), id);
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
  await casesRepo.update(scoped(q, c.tenant), c.id, to, c.seq + 1, at, patch);
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
  await caseEventsRepo.insert(scoped(q, tenant), { id, caseId, seq, type, payload, actor, at });
  return { id, tenant, caseId, seq, type, at: at.toISOString(), actor, payload };
}

/** Every event payload is checked against schemas/events/<type>.schema.json before it is written. */
export function assertEventPayload<T extends CaseEventType>(type: T, payload: EventPayloads[T]): void {
  const validate = schemaRegistry().validator(`events/${type}.schema.json`);
  if (!validate(payload)) throw new Error(`event ${type} payload does not match its schema: ${JSON.stringify(validate.errors)}`);
}

export { EVENT_COLUMNS, eventFromRow, type CaseEventRow } from '../persistence/caseEvents.ts';

export async function caseEvents(q: Queryable, tenant: string, caseId: string): Promise<CaseEvent[]> {
  return caseEventsRepo.ofCase(scoped(q, tenant), caseId);
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
