/**
 * `analytics-clickhouse`: the analytics store and its metric queries (see README.md).
 * chdb in <dataDir>/analytics by default; a ClickHouse server when CLICKHOUSE_URL is set.
 */
import path from 'node:path';
import type { AnalyticsPlugin, AnalyticsPort, MetricFilters, MetricsResult } from '@kuaichu/core/ports';
import { Errors, KcError } from '@kuaichu/core/errors';
import type { ClickHouseDriver } from './driver.ts';
import { openChdb } from './chdbDriver.ts';
import { openClickHouseServer } from './serverDriver.ts';
import { migrate } from './schema.ts';
import { analyticsSink } from './sink.ts';
import { metricsSql, queryMetricsOf, type CitySettings } from './metrics.ts';
import { migrateRollup, refreshRollup, rollupPlan } from './rollup.ts';

export type { ClickHouseDriver } from './driver.ts';
export { openChdb } from './chdbDriver.ts';
export { openClickHouseServer } from './serverDriver.ts';
export { migrate, DDL } from './schema.ts';
export { analyticsSink, toRow } from './sink.ts';
export { metricsSql, queryMetricsOf, type CitySettings, type CityAnalyticsSettings, type RollupPlan } from './metrics.ts';
export { refreshRollup, rollupPlan, touchAllDays } from './rollup.ts';

export interface Analytics extends AnalyticsPort {
  readonly driver: ClickHouseDriver;
  /** A provincial view over several tenants (each still named in the query). */
  queryMetricsAcross(tenants: readonly string[], filters?: MetricFilters): Promise<MetricsResult>;
  /** Builds the daily rollup's stale days now (rollup.ts; `maintain()` too). */
  refreshRollup(): Promise<{ days: number; rows: number; strays: number }>;
}

/** How often core builds the rollup's stale days (`maintain()`, on one process of all). */
const ROLLUP_EVERY_MS = 30_000;

/** What the store says of itself: a start without its server, the schema made once it answers. */
export interface AnalyticsLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const unavailable = (err: unknown) => err instanceof KcError && err.code === Errors.unavailable.code;

/**
 * Analytics over an open driver: creates the tables, then serves the sink and the queries.
 * A ClickHouse server that does not answer at start (an outage) does not stop the process: the
 * tables are created by the first sink batch or query that reaches it; until then the sink fails
 * (the bus delivers the batch again) and the queries answer KC_UNAVAILABLE.
 * The rollup is built by `maintain()`, which core runs on one process at a time; `rollupEveryMs`
 * runs it on a timer of this object's own instead (a store used without core), 0 (default): never.
 */
export async function createAnalytics(driver: ClickHouseDriver, cities: CitySettings, opts: { rollupEveryMs?: number; log?: AnalyticsLog } = {}): Promise<Analytics> {
  let schema: Promise<void> | null = null;
  let deferred = false;
  const ensureSchema = (): Promise<void> => (schema ??= (async () => {
    await migrate(driver);
    await migrateRollup(driver);
    if (deferred) opts.log?.info({}, 'analytics: ClickHouse answers again; its tables are in place');
  })().catch((err) => {
    schema = null;
    throw err;
  }));
  try {
    await ensureSchema();
  } catch (err) {
    if (!unavailable(err)) throw err;
    deferred = true;
    opts.log?.error({ err: (err as Error).message }, 'analytics: ClickHouse is not answering at start; serving without it (events wait in the bus, the dashboards answer 503 until it is back)');
  }
  // One refresh at a time in this process; a failed one leaves the days stale (read from the facts) until the next.
  let refreshing: Promise<{ days: number; rows: number; strays: number }> | null = null;
  const refresh = () => (refreshing ??= ensureSchema().then(() => refreshRollup(driver, cities)).finally(() => (refreshing = null)));
  const every = opts.rollupEveryMs ?? 0;
  const timer = every > 0 ? setInterval(() => void refresh().catch((err: Error) => console.warn(`[analytics] rollup refresh failed (days stay read from the facts): ${err.message}`)), every) : null;
  timer?.unref();
  const query = async (tenants: readonly string[], filters: MetricFilters) => {
    metricsSql(tenants, filters, cities); // bad input is refused with its message before the rollup is asked
    await ensureSchema();
    return queryMetricsOf(driver, tenants, filters, cities, await rollupPlan(driver, tenants, filters, cities));
  };
  const sink = analyticsSink(driver);
  return {
    driver,
    sink: async (events) => {
      await ensureSchema();
      await sink(events);
    },
    queryMetrics: (tenant, filters = {}) => query([tenant], filters),
    queryMetricsAcross: (tenants, filters = {}) => query(tenants, filters),
    refreshRollup: refresh,
    maintain: refresh,
    maintainEveryMs: ROLLUP_EVERY_MS,
    close: async () => {
      if (timer) clearInterval(timer);
      await refreshing?.catch(() => {});
      await driver.close();
    },
  };
}

/** CLICKHOUSE_URL → a server; otherwise chdb in `<dataDir>/analytics`. */
export async function openAnalytics(opts: { env: Readonly<Record<string, string | undefined>>; dataDir: string; cities: CitySettings; log?: AnalyticsLog }): Promise<Analytics> {
  const driver = opts.env.CLICKHOUSE_URL ? await openClickHouseServer(opts.env.CLICKHOUSE_URL) : openChdb(path.join(opts.dataDir, 'analytics'));
  try {
    return await createAnalytics(driver, opts.cities, opts.log ? { log: opts.log } : {});
  } catch (err) {
    await driver.close();
    throw err;
  }
}

const plugin: AnalyticsPlugin = {
  name: 'analytics-clickhouse',
  port: 'analytics',
  create: (ctx) => openAnalytics(ctx),
};
export default plugin;
