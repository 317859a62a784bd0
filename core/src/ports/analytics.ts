/**
 * Analytics (数据分析): the metrics the analysts' dashboards show, computed from the case
 * events the bus delivers. Implemented by plugins/analytics-clickhouse. Every query names one
 * tenant (or, for a provincial view, a list): an analyst's tenant comes from the session.
 *
 * Definitions (all times from the case's events; durations in seconds):
 * - reports: every report of the period (by report time), eligible or refused
 * - speed of answer: report → first answer by a seat (the queue and ringing wait)
 * - abandoned: eligible cases abandoned before any seat answered; rate = abandoned / eligible
 * - service level: answered within the city's `targets.answerWithinSeconds` / (answered + abandoned)
 * - handling time (AHT): first answer → leave-the-scene notice (the seat's time on the call:
 *   what Erlang C staffs for; Kunming's "5 minutes")
 * - time on scene: report → leave-the-scene notice
 * - time to determination: report → first determination; time to service: report → served
 * - review rate: cases with a review request / cases served
 * - escalation rate: cases escalated to on-site police / eligible cases
 * - claim push latency: served → first claim pushed to an insurer
 * - end to end: report → closed
 */
import type { BusHandler, BusLog } from './bus.ts';
import type { MetricSet as Metrics } from '../generated/types.ts';

export const METRIC_GROUPS = ['none', 'city', 'district', 'brigade', 'hour', 'day', 'kind', 'channel', 'seat'] as const;
/** A breakdown: hour = hour of day of the report (0–23) and day = its date, both in the city's time zone. */
export type MetricGroup = (typeof METRIC_GROUPS)[number];

export interface MetricFilters {
  /** Reports at or after this time (ISO 8601). */
  from?: string;
  /** Reports before this time (ISO 8601). */
  to?: string;
  districts?: readonly string[];
  channels?: readonly string[];
  /** Accident kinds (motor_motor, motor_non_motor, single_vehicle). */
  kinds?: readonly string[];
  seats?: readonly string[];
  groupBy?: MetricGroup;
}

/**
 * One set of metrics and a duration's distribution: the shapes the analytics API sends
 * (schemas/http/analytics-metrics.schema.json), so the store's answer is the wire form.
 */
export type { DurationStats, MetricSet as Metrics } from '../generated/types.ts';

export interface MetricsResult {
  tenants: string[];
  groupBy: MetricGroup;
  /** Over every case that passed the filters. */
  total: Metrics;
  /** One per value of the breakdown, in its order (empty for groupBy none). */
  groups: Array<Metrics & { key: string | number }>;
}

export interface AnalyticsPort {
  /** Metrics of one tenant: the tenant is always part of the query, whatever the filters say. */
  queryMetrics(tenant: string, filters?: MetricFilters): Promise<MetricsResult>;
  /** A provincial view: several tenants in one query, each still named in it (groupBy city splits them). */
  queryMetricsAcross(tenants: readonly string[], filters?: MetricFilters): Promise<MetricsResult>;
  /** The bus handler that feeds the store (subscribe it as group "analytics"). */
  readonly sink: BusHandler;
  /**
   * Background upkeep of the store (the daily rollup's stale days), for one process at a time:
   * core runs it every `maintainEveryMs` on whichever process claims the run (jobs/onOneProcess.ts).
   */
  maintain?(): Promise<unknown>;
  readonly maintainEveryMs?: number;
  close(): Promise<void>;
}

/** What the analytics store needs to know of each city. */
export interface CityAnalyticsSettings {
  /** IANA time zone for hour/day breakdowns (the profile's `timezone`). */
  timezone: string;
  /** The profile's `targets.answerWithinSeconds`. */
  answerWithinSeconds: number;
}

/** A process-wide analytics store provided by a plugin package (see core/src/plugins/process.ts). */
export interface AnalyticsPlugin {
  name: string;
  port: 'analytics';
  /** `log`: the process's log (a start while the store does not answer, its return). */
  create(ctx: { env: Readonly<Record<string, string | undefined>>; dataDir: string; cities: (tenant: string) => CityAnalyticsSettings; log?: Pick<BusLog, 'info' | 'error'> }): Promise<AnalyticsPort>;
}
