/**
 * The analytics sink: a bus handler that writes each delivered batch into kc_events in one
 * INSERT (the materialized view derives the case facts in the same insert). Two small steps,
 * PostHog-style: prepare (event → row: the payload fields the facts need become columns) and
 * persist, then mark the cases' days stale in the daily rollup (rollup.ts). Idempotent by
 * construction (schema.ts), so the bus may deliver a batch twice; it
 * throws when ClickHouse refuses, and the bus delivers the batch again later.
 */
import type { BusHandler, CaseEvent } from '@kuaichu/core/events';
import type { ClickHouseDriver, Row } from './driver.ts';
import { touchDays } from './rollup.ts';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export function toRow(e: CaseEvent): Row {
  const p = e.payload as Record<string, unknown>;
  const ms = Date.parse(e.at);
  if (!Number.isFinite(ms)) throw new RangeError(`event ${e.id}: bad time ${e.at}`);
  return {
    tenant: e.tenant,
    case_id: e.caseId,
    seq: e.seq,
    id: e.id,
    type: e.type,
    at: Math.floor(ms / 1000),
    at_ms: ms,
    actor: e.actor,
    channel: text(p.channel),
    district: text(p.district),
    brigade: text(p.brigadeId),
    kind: text(p.kind),
    seat: text(p.seatId),
    payload: JSON.stringify(p),
  };
}

export function analyticsSink(driver: ClickHouseDriver): BusHandler {
  return async (events: readonly CaseEvent[]) => {
    if (!events.length) return;
    await driver.insert('kc_events', events.map(toRow));
    // After the insert has returned (its facts with it): the days of these cases are stale in the rollup.
    await touchDays(driver, events);
  };
}
