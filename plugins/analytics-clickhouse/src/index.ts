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
import { queryMetricsOf, type CitySettings } from './metrics.ts';

export type { ClickHouseDriver } from './driver.ts';
export { openChdb } from './chdbDriver.ts';
export { openClickHouseServer } from './serverDriver.ts';
export { migrate, DDL } from './schema.ts';
export { analyticsSink, toRow } from './sink.ts';
export { metricsSql, queryMetricsOf, type CitySettings, type CityAnalyticsSettings } from './metrics.ts';

export interface Analytics extends AnalyticsPort {
  readonly driver: ClickHouseDriver;
  /** A provincial view over several tenants (each still named in the query). */
  queryMetricsAcross(tenants: readonly string[], filters?: MetricFilters): Promise<MetricsResult>;
}

/** Analytics over an open driver: creates the tables, then serves the sink and the queries. */
export async function createAnalytics(driver: ClickHouseDriver, cities: CitySettings): Promise<Analytics> {
  await migrate(driver);
  return {
    driver,
    sink: analyticsSink(driver),
    queryMetrics: (tenant, filters = {}) => queryMetricsOf(driver, [tenant], filters, cities),
    queryMetricsAcross: (tenants, filters = {}) => queryMetricsOf(driver, tenants, filters, cities),
    close: () => driver.close(),
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
