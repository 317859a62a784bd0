/**
 * What /metrics reads of the system of record: queues, calls, seats, the event outbox and the
 * deliveries outbox, counted per tenant. Only inside `acrossTenants(db, 'metrics', …)`: a
 * scrape covers every city. Counts and oldest times only, never a case id or a phone.
 */
import type { Queryable } from '../db/db.ts';

export interface QueueRow { tenant: string; brigade: string; waiting: number; oldest: Date | null }
export interface CountRow { tenant: string; key: string; n: number }
export interface OutboxRow { tenant: string; unpublished: number; oldest: Date | null }
export interface DeliveryBacklogRow { tenant: string; kind: string; status: string; n: number; oldest: Date | null }

export const operationsRepo = {
  /** Cases waiting for a seat (queued or ringing) per brigade, and when the longest-waiting one queued. */
  queues: (q: Queryable) => q.query<QueueRow>(
    `SELECT tenant, coalesce(brigade_id, '') AS brigade, count(*)::int AS waiting, min(queued_at) AS oldest
     FROM cases WHERE state IN ('queued', 'ringing') GROUP BY tenant, brigade_id`),

  /** Calls under way (a seat is with the party: in call, or evidence complete and not yet left). */
  calls: (q: Queryable) => q.query<CountRow>(
    `SELECT tenant, state AS key, count(*)::int AS n FROM cases WHERE state IN ('in_call', 'evidence_complete') GROUP BY tenant, state`),

  seats: (q: Queryable) => q.query<CountRow>('SELECT tenant, status AS key, count(*)::int AS n FROM seats GROUP BY tenant, status'),

  /** Events the relay has not handed to the bus yet, and the oldest one's time. */
  outbox: (q: Queryable) => q.query<OutboxRow>(
    'SELECT tenant, count(*)::int AS unpublished, min(at) AS oldest FROM case_events WHERE published_at IS NULL GROUP BY tenant'),

  /** Deliveries (insurers, 12123, SMS) not delivered: waiting for a try, failed and retrying, or dead. */
  deliveries: (q: Queryable) => q.query<DeliveryBacklogRow>(
    `SELECT tenant, kind, status, count(*)::int AS n, min(created_at) AS oldest FROM deliveries
     WHERE status IN ('queued', 'failed', 'dead') GROUP BY tenant, kind, status`),
};
