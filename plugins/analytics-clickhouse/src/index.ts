/**
 * `analytics-clickhouse`: the analytics store and its metric queries (see README.md).
 * chdb in <dataDir>/analytics by default; a ClickHouse server when CLICKHOUSE_URL is set.
 */
import path from 'node:path';
import type { AnalyticsPlugin, AnalyticsPort, MetricFilters, MetricsResult } from '@kuaichu/core/ports';
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

/**
 * Analytics over an open driver: creates the tables, then serves the sink and the queries.
 * The rollup is built by `maintain()`, which core runs on one process at a time; `rollupEveryMs`
 * runs it on a timer of this object's own instead (a store used without core), 0 (default): never.
 */
export async function createAnalytics(driver: ClickHouseDriver, cities: CitySettings, opts: { rollupEveryMs?: number } = {}): Promise<Analytics> {
  await migrate(driver);
  await migrateRollup(driver);
  // One refresh at a time in this process; a failed one leaves the days stale (read from the facts) until the next.
  let refreshing: Promise<{ days: number; rows: number; strays: number }> | null = null;
  const refresh = () => (refreshing ??= refreshRollup(driver, cities).finally(() => (refreshing = null)));
  const every = opts.rollupEveryMs ?? 0;
  const timer = every > 0 ? setInterval(() => void refresh().catch((err: Error) => console.warn(`[analytics] rollup refresh failed (days stay read from the facts): ${err.message}`)), every) : null;
  timer?.unref();
  const query = async (tenants: readonly string[], filters: MetricFilters) => {
    metricsSql(tenants, filters, cities); // bad input is refused with its message before the rollup is asked
    return queryMetricsOf(driver, tenants, filters, cities, await rollupPlan(driver, tenants, filters, cities));
  };
  return {
    driver,
    sink: analyticsSink(driver),
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
export async function openAnalytics(opts: { env: Readonly<Record<string, string | undefined>>; dataDir: string; cities: CitySettings }): Promise<Analytics> {
  const driver = opts.env.CLICKHOUSE_URL ? await openClickHouseServer(opts.env.CLICKHOUSE_URL) : openChdb(path.join(opts.dataDir, 'analytics'));
  try {
    return await createAnalytics(driver, opts.cities);
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
