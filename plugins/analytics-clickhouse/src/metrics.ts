/**
 * The metric queries (definitions: core/src/ports/analytics.ts). One SQL text for chdb and
 * ClickHouse 18.16, in two levels:
 *   cases  — each case's facts: kc_case_facts read FINAL (a case's partial rows merged into
 *            one, as GROUP BY case would, ~1.7× faster once parts are merged) within key
 *            conditions only — the tenant(s) and, for a date range, a case-id range (ids are
 *            UUIDv7), so only that period's rows are read;
 *   result — the filters on the merged facts (report time, district, channel, type, seat),
 *            then counts, rates and duration distributions, per group and in total.
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
import { MILESTONES, REPORT_DIMENSIONS } from './schema.ts';
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
export function metricsSql(tenants: readonly string[], filters: MetricFilters, settings: CitySettings): string {
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
  for (const [column, values] of Object.entries(lists)) if (values) where.push(`${column} IN ${strList(values)}`);

  const cases = `SELECT
      tenant,
      case_id,
      ${Object.keys(MILESTONES).map((c) => `finalizeAggregation(${c}) AS ${milestone(c)}`).join(',\n      ')},
      if(reported > 0, reported, if(photo > 0, photo, refused)) AS opened,
      ${REPORT_DIMENSIONS.map((d) => `finalizeAggregation(${d}_any) AS dim_${d}`).join(',\n      ')},
      finalizeAggregation(seat_last) AS dim_seat
    FROM kc_case_facts FINAL
    WHERE ${key.join(' AND ')}`;

  const zone = str(settings(tenants[0]!).timezone);
  const groupKey: Record<Exclude<MetricGroup, 'none'>, string> = {
    city: 'tenant',
    district: 'dim_district',
    brigade: 'dim_brigade',
    kind: 'dim_kind',
    channel: 'dim_channel',
    seat: 'dim_seat',
    hour: `toHour(toDateTime(intDiv(opened, 1000)), ${zone})`,
    day: `toString(toDate(toDateTime(intDiv(opened, 1000)), ${zone}))`,
  };
  const targets = tenants.map((t) => settings(t).answerWithinSeconds * 1000);
  const targetMs = tenants.length === 1 ? num(targets[0]!) : `transform(tenant, [${tenants.map(str).join(', ')}], [${targets.map(num).join(', ')}], 0)`;

  const columns = [
    ...Object.entries(COUNTS).map(([name, cond]) => `countIf(${cond}) AS n_${name}`),
    `countIf(answered > 0 AND toInt64(answered) - toInt64(reported) <= ${targetMs}) AS n_in_target`,
    ...Object.entries(DURATIONS).flatMap(([name, [a, b]]) => {
      const cond = `${a} > 0 AND ${b} > 0`;
      const secs = `(toInt64(${b}) - toInt64(${a})) / 1000`;
      return [`countIf(${cond}) AS ${name}_n`, `avgIf(${secs}, ${cond}) AS ${name}_mean`, `quantilesExactIf(${QUANTILES.join(', ')})(${secs}, ${cond}) AS ${name}_q`];
    }),
  ];
  const filtered = `FROM (${cases})\nWHERE ${where.join(' AND ')}`;
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
export async function queryMetricsOf(driver: ClickHouseDriver, tenants: readonly string[], filters: MetricFilters, settings: CitySettings): Promise<MetricsResult> {
  const groupBy = filters.groupBy ?? 'none';
  const { data: rows } = await driver.select<RawRow>(metricsSql(tenants, filters, settings));
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
