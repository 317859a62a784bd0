/**
 * The tables, shaped by the dashboards' queries (PostHog's rule: sort keys are the filters).
 *
 * kc_events — every case event once, whatever the bus delivered: a ReplacingMergeTree keyed by
 *   (tenant, case id, seq, event id), so a redelivered event collapses into its first copy when
 *   parts merge. Payload fields the facts need are columns (filled by the sink); the payload
 *   itself is kept as JSON text.
 * kc_case_facts — one row per case (after merges; partial rows until then), fed by the
 *   materialized view below from every insert into kc_events: the first time of each milestone
 *   (min, `<milestone>_at`), the dimensions of the report (any, `<dimension>_any`), the seat
 *   that last handled the call (argMax, `seat_last`).
 *   Each state is idempotent — a duplicate event changes no min, any or argMax — so metrics
 *   never count a redelivery, merged or not. Keyed by (tenant, case id): case ids are UUIDv7
 *   (core/src/ids.ts), so this is also report-time order and a date range prunes on the key.
 *   Partitioned by the month of the case id's time (all rows of a case in one partition, so
 *   FINAL never merges across partitions): a month's dashboard reads that month's parts only,
 *   and background merges work on small partitions instead of the whole history.
 *
 * The same DDL runs on chdb and on ClickHouse 18.16 (no LowCardinality, TTL or DateTime64 there).
 */
import type { ClickHouseDriver } from './driver.ts';

/** Milestones of a case: fact column → the event whose first occurrence it records. */
export const MILESTONES = {
  reported_at: 'case.reported',
  refused_at: 'case.refused',
  answered_at: 'case.answered',
  evacuated_at: 'case.evacuated',
  escalated_at: 'case.escalated',
  abandoned_at: 'case.abandoned',
  determined_at: 'case.determined',
  served_at: 'case.served',
  review_at: 'review.requested',
  claim_at: 'claim.pushed',
  closed_at: 'case.closed',
  // The photo path (事故快处, issue 18): its report, the parties' agreement, the online determination asked.
  photo_at: 'photo.reported',
  agreed_at: 'photo.agreed',
  online_at: 'photo.online_requested',
  // Online mediation (线上调解室, issue 14): first booked, first opened, the agreement in force (both signed), an outcome not agreed,
  // a booking nobody held (no-show: never opened, or a party never joined; core mediation/schedule.ts).
  mediation_booked_at: 'mediation.scheduled',
  mediation_opened_at: 'mediation.opened',
  mediation_agreed_at: 'mediation.agreed',
  mediation_failed_at: 'mediation.recorded',
  mediation_no_show_at: 'mediation.no_show',
  // Injury direct-pay (人伤直赔, issue 14): the first voucher issued, scanned by a hospital, billed, settled by the insurer.
  direct_pay_issued_at: 'direct_pay.issued',
  direct_pay_admitted_at: 'direct_pay.admitted',
  direct_pay_billed_at: 'direct_pay.billed',
  direct_pay_settled_at: 'direct_pay.settled',
  // One-key rescue (一键救援, issue 14): the party's first request, the tow crew's arrival, the rescue completed.
  rescue_requested_at: 'rescue.requested',
  rescue_arrived_at: 'rescue.arrived',
  rescue_completed_at: 'rescue.completed',
} as const;

/**
 * Running totals of a case that its events carry (the largest is kept: max is idempotent, so a
 * redelivered event changes nothing, and a total only grows): fact column → [event, payload field].
 * A case's direct-pay vouchers issued (revoked ones included) and revoked, and fen billed by hospitals
 * and settled by insurers.
 */
export const TOTALS = {
  direct_pay_vouchers: ['direct_pay.issued', 'vouchersOfCase'],
  direct_pay_advanced_fen: ['direct_pay.billed', 'advancedFenOfCase'],
  direct_pay_settled_fen: ['direct_pay.settled', 'settledFenOfCase'],
  // Vouchers the officer withdrew before a scan: issued less these are the case's vouchers in use.
  direct_pay_revoked: ['direct_pay.revoked', 'revokedOfCase'],
} as const satisfies Record<string, readonly [string, string]>;

/**
 * A milestone that is only some events of its type: the payload must also hold this text. The
 * sink keeps the payload as JSON.stringify wrote it (no spaces), and 18.16 has position().
 */
export const MILESTONE_PAYLOAD: Partial<Record<keyof typeof MILESTONES, string>> = {
  mediation_failed_at: '"agreed":false',
};

const milestoneWhen = (column: keyof typeof MILESTONES) => {
  const text = MILESTONE_PAYLOAD[column];
  return `type = '${MILESTONES[column]}'${text ? ` AND position(payload, '${text}') > 0` : ''}`;
};

/** Dimensions taken from the report (case.reported or photo.reported, or case.refused for a refused report). */
export const REPORT_DIMENSIONS = ['channel', 'district', 'brigade', 'kind'] as const;

const OPENING = `type IN ('case.reported', 'case.refused', 'photo.reported')`;
/** The seat of a case: the last one to answer it or to send the leave notice. */
const SEAT_EVENTS = `type IN ('case.answered', 'case.evacuated')`;

/**
 * The month (UTC, YYYYMM) of a UUIDv7 case id: its first 48 bits are the report time in ms.
 * Spelled with functions ClickHouse 18.16 has (no UUIDv7 helpers there).
 */
export const CASE_MONTH = `toYYYYMM(toDateTime(intDiv(reinterpretAsUInt64(reverse(unhex(concat(substring(case_id, 1, 8), substring(case_id, 10, 4))))), 1000), 'UTC'))`;

/** Each case's facts from events: the materialized view's SELECT, also used to rebuild the facts. */
const FACTS_SELECT = `SELECT
    tenant,
    case_id,
    ${(Object.keys(MILESTONES) as Array<keyof typeof MILESTONES>).map((c) => `minIfState(at_ms, ${milestoneWhen(c)}) AS ${c}`).join(',\n    ')},
    ${Object.entries(TOTALS).map(([c, [type, field]]) => `maxIfState(visitParamExtractUInt(payload, '${field}'), type = '${type}') AS ${c}`).join(',\n    ')},
    ${REPORT_DIMENSIONS.map((d) => `anyIfState(${d}, ${OPENING}) AS ${d}_any`).join(',\n    ')},
    argMaxIfState(seat, at_ms, ${SEAT_EVENTS}) AS seat_last
  FROM kc_events
  GROUP BY tenant, case_id`;

const factsTable = (name: string) => `CREATE TABLE IF NOT EXISTS ${name} (
    tenant String,
    case_id String,
    ${Object.keys(MILESTONES).map((c) => `${c} AggregateFunction(minIf, UInt64, UInt8)`).join(',\n    ')},
    ${Object.keys(TOTALS).map((c) => `${c} AggregateFunction(maxIf, UInt64, UInt8)`).join(',\n    ')},
    ${REPORT_DIMENSIONS.map((d) => `${d}_any AggregateFunction(anyIf, String, UInt8)`).join(',\n    ')},
    seat_last AggregateFunction(argMaxIf, String, UInt64, UInt8)
  ) ENGINE = AggregatingMergeTree()
  PARTITION BY ${CASE_MONTH}
  ORDER BY (tenant, case_id)`;

const FACTS_VIEW = `CREATE MATERIALIZED VIEW IF NOT EXISTS kc_case_facts_mv TO kc_case_facts AS
  ${FACTS_SELECT}`;

export const DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS kc_events (
    tenant String,
    case_id String,
    seq UInt32,
    id String,
    type String,
    at DateTime('UTC'),
    at_ms UInt64,
    actor String,
    channel String,
    district String,
    brigade String,
    kind String,
    seat String,
    payload String
  ) ENGINE = ReplacingMergeTree()
  PARTITION BY toYYYYMM(at)
  ORDER BY (tenant, case_id, seq, id)`,

  factsTable('kc_case_facts'),

  FACTS_VIEW,
];

/** Creates what is missing; safe to run at every start and from several processes. */
export async function migrate(driver: ClickHouseDriver): Promise<void> {
  // The view last: over an older facts table its SELECT names columns the table lacks until rebuilt.
  for (const statement of DDL) if (statement !== FACTS_VIEW) await driver.exec(statement);
  await partitionFacts(driver);
  await driver.exec(FACTS_VIEW);
}

/**
 * Facts tables of earlier versions (data folders made before partitioning, or before a
 * milestone or total was added — the photo path's, online mediation's, direct-pay's and rescue's) are rebuilt from the events: build the current table
 * beside the old one, swap the names, then insert once more so events that reached the old
 * table during the build are not missed. A view that selects the old columns is made anew
 * around the swap. Every state is idempotent, so rows inserted twice change nothing.
 */
async function partitionFacts(driver: ClickHouseDriver): Promise<void> {
  const [shown] = (await driver.select<{ statement: string }>('SHOW CREATE TABLE kc_case_facts')).data;
  if (!shown) return;
  const partitioned = /PARTITION BY/i.test(shown.statement);
  const current = [...Object.keys(MILESTONES), ...Object.keys(TOTALS)].every((c) => new RegExp(`\\b${c}\\b`).test(shown.statement));
  if (partitioned && current) return;
  await driver.exec('DROP TABLE IF EXISTS kc_case_facts_next');
  await driver.exec(factsTable('kc_case_facts_next'));
  if (!current) await driver.exec('DROP TABLE IF EXISTS kc_case_facts_mv');
  await driver.exec(`INSERT INTO kc_case_facts_next ${FACTS_SELECT}`);
  await driver.exec('RENAME TABLE kc_case_facts TO kc_case_facts_previous, kc_case_facts_next TO kc_case_facts');
  if (!current) await driver.exec(FACTS_VIEW);
  await driver.exec(`INSERT INTO kc_case_facts ${FACTS_SELECT}`);
  await driver.exec('DROP TABLE kc_case_facts_previous');
}
