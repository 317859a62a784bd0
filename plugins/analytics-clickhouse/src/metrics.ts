/**
 * The metric queries (definitions: core/src/ports/analytics.ts). One SQL text for chdb and
 * ClickHouse 18.16, in two levels:
 *   cases  — each case's facts: kc_case_facts read FINAL (a case's partial rows merged into
 *            one, as GROUP BY case would, ~1.7× faster once parts are merged) within key
 *            conditions only — the tenant(s) and, for a date range, a case-id range (ids are
 *            UUIDv7), so only that period's rows are read;
 *   result — the filters on the merged facts (report time, district, channel, type, seat),
 *            each case's measures (1/0 per count, each duration as an array of zero or one
 *            value), then counts, rates and duration distributions, per group and in total.
 * Days the daily rollup holds (rollup.ts: the same measures summed per day and dimensions)
 * are read from it instead of the facts, through the same outer level (UNION ALL), so the
 * answer does not depend on which days were built.
 * Filters on the facts stay outside the FINAL subquery, so no engine version can apply them
 * (as PREWHERE) before the merge, where they would drop a case's partial rows that lack the
 * filtered value.
 * The tenant is part of every query and is checked against the city-id pattern; every other
 * value is escaped (sql.ts): a filter can narrow a tenant's data, never widen it.
 */
import { Errors } from '@kuaichu/core/errors';
import { uuidv7Bound } from '@kuaichu/core/ids';
import { METRIC_GROUPS, type CityAnalyticsSettings, type DurationStats, type MetricFilters, type MetricGroup, type Metrics, type MetricsResult } from '@kuaichu/core/ports';
import type { ClickHouseDriver } from './driver.ts';
import { MILESTONES, REPORT_DIMENSIONS, TOTALS } from './schema.ts';
import { num, str, strList } from './sql.ts';

export type { CityAnalyticsSettings };
export type CitySettings = (tenant: string) => CityAnalyticsSettings;

const TENANT = /^[a-z][a-z0-9_-]{0,39}$/;
const QUANTILES = [0.5, 0.9, 0.95] as const;

/** Each duration: from milestone → to milestone (`opened` = the report, eligible or not). */
const DURATIONS = {
  speedOfAnswer: ['reported', 'answered'],
  handlingTime: ['answered', 'evacuated'],
  timeOnScene: ['reported', 'evacuated'],
  timeToDetermination: ['reported', 'determined'],
  timeToService: ['reported', 'served'],
  claimPushLatency: ['served', 'claim'],
  endToEnd: ['reported', 'closed'],
  reportToAgreement: ['photo', 'agreed'],
  // Online mediation: from the first booking, and from the room's first opening, to the agreement in force.
  mediationBookingToAgreement: ['mediation_booked', 'mediation_agreed'],
  mediationOpenToAgreement: ['mediation_opened', 'mediation_agreed'],
  // Injury direct-pay: from the hospital's first scan, and from its first bill, to the insurer's first settlement.
  directPayScanToSettlement: ['direct_pay_admitted', 'direct_pay_settled'],
  directPayBillToSettlement: ['direct_pay_billed', 'direct_pay_settled'],
  // One-key rescue: from the party's request to the tow crew's arrival.
  rescueArrival: ['rescue_requested', 'rescue_arrived'],
} as const satisfies Record<string, readonly [string, string]>;

const COUNTS = {
  reports: '1',
  eligible: 'reported > 0',
  refused: 'refused > 0',
  answered: 'answered > 0',
  abandoned: 'abandoned > 0 AND answered = 0',
  escalated: 'escalated > 0',
  evacuated: 'evacuated > 0',
  determined: 'determined > 0',
  served: 'served > 0',
  reviews: 'review > 0',
  claims: 'claim > 0',
  closed: 'closed > 0',
  photoCases: 'photo > 0',
  agreements: 'agreed > 0',
  onlineDeterminations: 'online > 0',
  mediations: 'mediation_booked > 0',
  mediationsAgreed: 'mediation_agreed > 0',
  // A case mediated again after a failed session and then agreed counts as agreed.
  mediationsNotAgreed: 'mediation_failed > 0 AND mediation_agreed = 0',
  // Cases with a booking nobody held (a no-show), whatever came of the next booking.
  mediationNoShows: 'mediation_no_show > 0',
  // A case whose only voucher was revoked is not a direct-pay case; its vouchers issued are those not revoked.
  // (A revocation's event may arrive before the issue's: never below zero, UInt64 would wrap.)
  directPayCases: 'direct_pay_vouchers > direct_pay_revoked',
  // Sums, not 1/0: a case's vouchers and fen (its running totals, schema.ts TOTALS), summed like the counts.
  directPayVouchers: 'if(direct_pay_vouchers > direct_pay_revoked, direct_pay_vouchers - direct_pay_revoked, 0)',
  directPayVouchersRevoked: 'direct_pay_revoked',
  directPayAdvancedFen: 'direct_pay_advanced_fen',
  directPaySettledFen: 'direct_pay_settled_fen',
  rescues: 'rescue_requested > 0',
  rescuesArrived: 'rescue_arrived > 0',
  rescuesCompleted: 'rescue_completed > 0',
} as const;

/** Milestone column of kc_case_facts → its name in the cases level (`reported_at` → `reported`). */
const milestone = (column: string) => column.replace(/_at$/, '');

function checkTenant(tenant: string): string {
  if (typeof tenant !== 'string' || !TENANT.test(tenant)) throw Errors.validation(`not a tenant: ${JSON.stringify(tenant)}`);
  return tenant;
}

function checkList(name: string, values: readonly string[] | undefined): readonly string[] | undefined {
  if (values === undefined) return undefined;
  if (!Array.isArray(values) || values.length === 0 || values.length > 200 || values.some((v) => typeof v !== 'string' || v.length > 100 || v.includes('\0'))) {
    throw Errors.validation(`${name}: give 1–200 values of at most 100 characters`);
  }
  return values;
}

function checkTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (typeof value !== 'string' || !Number.isFinite(ms)) throw Errors.validation(`${name}: not a date-time: ${JSON.stringify(value)}`);
  return ms;
}

/** The SQL of a metrics query (exported for the benchmark and the tests). */
export function metricsSql(tenants: readonly string[], filters: MetricFilters, settings: CitySettings, plan?: RollupPlan): string {
  if (!tenants.length) throw Errors.validation('no tenant');
  tenants.forEach(checkTenant);
  const groupBy: MetricGroup = filters.groupBy ?? 'none';
  if (!METRIC_GROUPS.includes(groupBy)) throw Errors.validation(`groupBy: one of ${METRIC_GROUPS.join(', ')}`);
  const from = checkTime('from', filters.from);
  const to = checkTime('to', filters.to);
  const lists = {
    dim_district: checkList('districts', filters.districts),
    dim_channel: checkList('channels', filters.channels),
    dim_kind: checkList('kinds', filters.kinds),
    dim_seat: checkList('seats', filters.seats),
  };

  // Key conditions select the rows FINAL merges; everything derived from the facts filters after it.
  const key = [`tenant IN ${strList(tenants)}`];
  const where = ['opened > 0'];
  if (from !== undefined) {
    key.push(`case_id >= ${str(uuidv7Bound(from))}`);
    where.push(`opened >= ${num(from)}`);
  }
  if (to !== undefined) {
    key.push(`case_id < ${str(uuidv7Bound(to))}`);
    where.push(`opened < ${num(to)}`);
  }
  // The days the rollup answers for are not read from the facts (their complement is a key range too).
  if (plan) key.push(plan.factsKey);
  for (const [column, values] of Object.entries(lists)) if (values) where.push(`${column} IN ${strList(values)}`);

  const zone = settings(tenants[0]!).timezone;
  // Each case's share of the measures, read from the facts; the rollup's rows hold the same
  // measures summed over a day's cases (rollup.ts), so both answer through one outer level.
  const fromFacts = `SELECT ${caseMeasures(zone)}
    FROM (${casesSql(key)})
    WHERE ${where.join(' AND ')}`;
  const source = plan ? `${fromFacts}\n    UNION ALL\n    ${plan.rollupSelect}` : fromFacts;

  const groupKey: Record<Exclude<MetricGroup, 'none'>, string> = {
    city: 'tenant',
    district: 'district',
    brigade: 'brigade',
    kind: 'kind',
    channel: 'channel',
    seat: 'seat',
    hour: 'local_hour',
    day: 'toString(local_day)',
  };
  // Answered within each city's target: a constant in each lambda (18.16's lambdas cannot read a column).
  const within = (t: string) => `arrayCount(x -> x <= ${num(settings(t).answerWithinSeconds * 1000)}, speedOfAnswer_ms)`;
  const inTarget = tenants.length === 1 ? within(tenants[0]!) : `multiIf(${tenants.map((t) => `tenant = ${str(t)}, ${within(t)}`).join(', ')}, 0)`;

  // Means are integer sums of milliseconds over the count, so the rollup's sums give the same
  // figure to the last bit as the cases' (a float average depends on the order it adds in).
  const columns = [
    ...Object.keys(COUNTS).map((name) => `sum(c_${name}) AS n_${name}`),
    `sum(${inTarget}) AS n_in_target`,
    ...Object.keys(DURATIONS).flatMap((name) => [
      `sum(length(${name}_ms)) AS ${name}_n`,
      `sum(arraySum(${name}_ms)) / ${name}_n / 1000 AS ${name}_mean`,
      // Exact quantiles pick values, so picking milliseconds then dividing gives the seconds' pick.
      `arrayMap(q -> q / 1000, quantilesExactArray(${QUANTILES.join(', ')})(${name}_ms)) AS ${name}_q`,
    ]),
  ];
  const filtered = `FROM (\n    ${source}\n)`;
  if (groupBy === 'none') return `SELECT ${columns.join(',\n  ')}\n${filtered}`;
  // The total is one more group of the same pass (each case counted once in its group and once
  // in the total), not WITH TOTALS: chdb's JSON writer garbles the totals of an empty result,
  // and where totals go differs by format and version. is_total keeps it apart from a group
  // whose key is the default ('' = no seat).
  const by = groupKey[groupBy];
  return `SELECT arrayJoin([0, 1]) AS is_total,
  if(is_total = 1, defaultValueOfArgumentType(${by}), ${by}) AS group_key,
  ${columns.join(',\n  ')}
${filtered}
GROUP BY is_total, group_key
ORDER BY is_total, group_key`;
}

/** Each case's facts (milestone times, report dimensions, last seat) within key conditions only. */
export function casesSql(key: readonly string[]): string {
  return `SELECT
      tenant,
      case_id,
      ${Object.keys(MILESTONES).map((c) => `finalizeAggregation(${c}) AS ${milestone(c)}`).join(',\n      ')},
      ${Object.keys(TOTALS).map((c) => `finalizeAggregation(${c}) AS ${c}`).join(',\n      ')},
      if(reported > 0, reported, if(photo > 0, photo, refused)) AS opened,
      ${REPORT_DIMENSIONS.map((d) => `finalizeAggregation(${d}_any) AS dim_${d}`).join(',\n      ')},
      finalizeAggregation(seat_last) AS dim_seat
    FROM kc_case_facts FINAL
    WHERE ${key.join(' AND ')}`;
}

/**
 * One case's measures, in the column order the rollup's rows share (MEASURE_COLUMNS): its local
 * day and hour, dimensions, 1/0 for each count, and each duration (ms) as an array of zero or one.
 */
export function caseMeasures(zone: string): string {
  const z = str(zone);
  return [
    'tenant',
    `toDate(toDateTime(intDiv(opened, 1000)), ${z}) AS local_day`,
    'dim_district AS district', 'dim_brigade AS brigade', 'dim_kind AS kind', 'dim_channel AS channel', 'dim_seat AS seat',
    `toHour(toDateTime(intDiv(opened, 1000)), ${z}) AS local_hour`,
    ...Object.entries(COUNTS).map(([name, cond]) => `toUInt64(${cond}) AS c_${name}`),
    ...Object.entries(DURATIONS).map(([name, [a, b]]) => `if(${a} > 0 AND ${b} > 0, [toInt64(${b}) - toInt64(${a})], emptyArrayInt64()) AS ${name}_ms`),
  ].join(',\n      ');
}

/** The measures as columns of a table (the rollup's): counts summed, durations' values in arrays. */
export const MEASURE_COLUMNS: ReadonlyArray<[name: string, type: string]> = [
  ...Object.keys(COUNTS).map((name): [string, string] => [`c_${name}`, 'UInt64']),
  ...Object.keys(DURATIONS).map((name): [string, string] => [`${name}_ms`, 'Array(Int64)']),
];

/** The part of a metrics query the rollup answers (rollup.ts). */
export interface RollupPlan {
  /** A key condition on the facts: the cases of the days the rollup does not answer for. */
  factsKey: string;
  /** The rollup's rows for the other days, in caseMeasures' columns. */
  rollupSelect: string;
}

type RawRow = Record<string, unknown>;

const int = (v: unknown) => Number(v ?? 0);
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 6) : null);
function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function toMetrics(r: RawRow): Metrics {
  const n = Object.fromEntries(Object.keys(COUNTS).map((k) => [k, int(r[`n_${k}`])])) as Record<keyof typeof COUNTS, number>;
  const durations = Object.fromEntries(Object.keys(DURATIONS).map((name): [string, DurationStats] => {
    const count = int(r[`${name}_n`]);
    const q = (r[`${name}_q`] as number[] | undefined) ?? [];
    const at = (i: number) => (count > 0 && q[i] !== undefined && q[i] !== null ? round(Number(q[i])) : null);
    const mean = r[`${name}_mean`];
    return [name, { n: count, mean: count > 0 && mean !== null && mean !== undefined ? round(Number(mean)) : null, p50: at(0), p90: at(1), p95: at(2) }];
  })) as Record<keyof typeof DURATIONS, DurationStats>;
  return {
    ...n,
    abandonmentRate: ratio(n.abandoned, n.eligible),
    serviceLevel: ratio(int(r.n_in_target), n.answered + n.abandoned),
    reviewRate: ratio(n.reviews, n.served),
    escalationRate: ratio(n.escalated, n.eligible),
    photoShare: ratio(n.photoCases, n.eligible + n.photoCases),
    agreementShare: ratio(n.agreements, n.agreements + n.onlineDeterminations),
    mediationAgreementRate: ratio(n.mediationsAgreed, n.mediationsAgreed + n.mediationsNotAgreed),
    ...durations,
  };
}

/** Metrics of `tenants` (one tenant for a city's analysts; several for a provincial view). */
export async function queryMetricsOf(driver: ClickHouseDriver, tenants: readonly string[], filters: MetricFilters, settings: CitySettings, plan?: RollupPlan): Promise<MetricsResult> {
  const groupBy = filters.groupBy ?? 'none';
  const { data: rows } = await driver.select<RawRow>(metricsSql(tenants, filters, settings, plan));
  // No case in the period: no group and no total row (an empty store, a day without reports).
  const total = groupBy === 'none' ? rows[0] : rows.find((r) => Number(r.is_total) === 1);
  const groups = groupBy === 'none' ? [] : rows.filter((r) => Number(r.is_total) === 0);
  return {
    tenants: [...tenants],
    groupBy,
    total: toMetrics(total ?? {}),
    groups: groups.map((r) => ({ key: typeof r.group_key === 'number' ? r.group_key : String(r.group_key), ...toMetrics(r) })),
  };
}
