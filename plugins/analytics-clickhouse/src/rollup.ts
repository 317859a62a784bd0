/**
 * The daily rollup: the dashboards' measures summed per city, day and report dimensions
 * (district, brigade, accident type, channel), so a whole year is read from ~10⁴ rows a city
 * instead of every case's facts. Same tables and SQL on chdb and ClickHouse 18.16.
 *
 * Why not a materialized view: a case's measures need several of its events (a duration is two
 * milestones), which arrive in different inserts, days apart. So a day is built from the merged
 * facts, and a query uses the rollup only for days it knows to be current:
 *   kc_case_touches  — the sink writes (tenant, UTC day of the case id) with the server's now()
 *                      after each insert of events has returned (facts included);
 *   kc_rollup_builds — each build of a day: its version, the server time it started, and its
 *                      strays (cases whose report falls on another local day than their id);
 *   kc_daily         — the built rows (ReplacingMergeTree: a rebuild replaces the rows).
 * A day is current when its last build started after its last touch (whole seconds, strictly)
 * and had no strays. Queries read current days from kc_daily and every other day from the
 * facts, as before (metrics.ts: one outer level over both), so answers are the same whether a
 * day is built or not — only faster. refreshRollup() builds the touched days (core runs it as the
 * plugin's `maintain()` every 30 s on one process of all; a build is idempotent all the same).
 *
 * A query can use the rollup when its breakdown and filters are the rollup's dimensions (not
 * seat, not hour of day), its period is whole local days (or none), and its cities share a
 * time zone. Case ids are UUIDv7 made at the report (core/src/ids.ts): the day of the id is the
 * day of the report, which is what lets a day's cases be found by the key.
 */
import type { MetricFilters } from '@kuaichu/core/ports';
import { uuidv7Bound } from '@kuaichu/core/ids';
import { toLocal } from '@kuaichu/core/policy';
import type { ClickHouseDriver } from './driver.ts';
import { MEASURE_COLUMNS, caseMeasures, casesSql, type CitySettings, type RollupPlan } from './metrics.ts';
import { num, str, strList } from './sql.ts';

const DIMENSIONS = ['district', 'brigade', 'kind', 'channel'] as const;

/** The report time (ms) in a case id, as metrics' CASE_MONTH reads it (18.16 has no UUIDv7 helpers). */
const CASE_ID_MS = `reinterpretAsUInt64(reverse(unhex(concat(substring(case_id, 1, 8), substring(case_id, 10, 4)))))`;

const DAILY = `CREATE TABLE IF NOT EXISTS kc_daily (
    tenant String,
    id_day Date,
    version UInt64,
    local_day Date,
    ${DIMENSIONS.map((d) => `${d} String`).join(',\n    ')},
    ${MEASURE_COLUMNS.map(([c, t]) => `${c} ${t}`).join(',\n    ')}
  ) ENGINE = ReplacingMergeTree(version)
  PARTITION BY toYYYYMM(id_day)
  ORDER BY (tenant, id_day, local_day, ${DIMENSIONS.join(', ')})`;

export const ROLLUP_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS kc_case_touches (tenant String, id_day Date, touched_at DateTime)
  ENGINE = ReplacingMergeTree(touched_at) ORDER BY (tenant, id_day)`,
  `CREATE TABLE IF NOT EXISTS kc_rollup_builds (tenant String, id_day Date, version UInt64, built_at DateTime, strays UInt64)
  ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, id_day)`,
  DAILY,
];

/**
 * Creates the rollup's tables. A kc_daily of other measures (an earlier version) is dropped with
 * its builds; when the rollup is new, every day in the events is touched, so the refresh builds
 * them (until then those days are read from the facts).
 */
export async function migrateRollup(driver: ClickHouseDriver): Promise<void> {
  const [exists] = (await driver.select<{ n: unknown }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'kc_daily'`)).data;
  const shown = Number(exists!.n) > 0 ? (await driver.select<{ statement: string }>('SHOW CREATE TABLE kc_daily')).data[0] : undefined;
  const current = shown !== undefined && MEASURE_COLUMNS.every(([c]) => new RegExp(`\\b${c}\\b`).test(shown.statement));
  if (shown && !current) {
    await driver.exec('DROP TABLE IF EXISTS kc_daily');
    await driver.exec('DROP TABLE IF EXISTS kc_rollup_builds');
  }
  for (const statement of ROLLUP_DDL) await driver.exec(statement);
  if (!current) await touchAllDays(driver);
}

/** Marks every day that has events stale (a new rollup; events written around the sink, as the benchmark's copies). */
export async function touchAllDays(driver: ClickHouseDriver): Promise<void> {
  await driver.exec(`INSERT INTO kc_case_touches (tenant, id_day, touched_at)
    SELECT tenant, toDate(toDateTime(intDiv(${CASE_ID_MS}, 1000), 'UTC')) AS id_day, now() FROM kc_events GROUP BY tenant, id_day`);
}

/** The UTC day of a case id (its first 48 bits are ms), as the SQL above reads it. */
export function caseIdDay(caseId: string): string {
  const ms = parseInt(caseId.slice(0, 8) + caseId.slice(9, 13), 16);
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString().slice(0, 10);
}

/** The sink's mark after an insert: these cases' days changed (the server's clock, not ours). */
export async function touchDays(driver: ClickHouseDriver, caseKeys: Iterable<{ tenant: string; caseId: string }>): Promise<void> {
  const days = new Set<string>();
  for (const k of caseKeys) days.add(`${k.tenant}\u0000${caseIdDay(k.caseId)}`);
  if (!days.size) return;
  const values = [...days].map((d) => {
    const [tenant, day] = d.split('\u0000') as [string, string];
    return `(${str(tenant)}, ${str(day)})`;
  });
  await driver.exec(`INSERT INTO kc_case_touches (tenant, id_day, touched_at)
    SELECT tupleElement(d, 1), toDate(tupleElement(d, 2)), now() FROM system.one ARRAY JOIN [${values.join(', ')}] AS d`);
}

const LATEST_BUILDS = (where: string) => `SELECT tenant, id_day, argMax(built_at, version) AS built_at, argMax(strays, version) AS strays
    FROM kc_rollup_builds ${where} GROUP BY tenant, id_day`;
const LATEST_TOUCHES = (where: string) => `SELECT tenant, id_day, max(touched_at) AS touched_at
    FROM kc_case_touches ${where} GROUP BY tenant, id_day`;

let versions = 0;

/** Builds one UTC day of one city: its cases' measures summed by local day and dimensions. */
export async function buildDay(driver: ClickHouseDriver, tenant: string, day: string, settings: CitySettings): Promise<{ rows: number; strays: number }> {
  const zone = settings(tenant).timezone;
  const start = Date.parse(`${day}T00:00:00Z`);
  // The server's clock before the facts are read: a touch in this second or later leaves the day stale.
  const [clock] = (await driver.select<{ now: unknown }>('SELECT toUInt32(now()) AS now')).data;
  const builtAt = Number(clock!.now);
  const version = Date.now() * 1000 + ((process.pid * 7 + versions++) % 1000); // distinct across processes building at once
  const key = [`tenant = ${str(tenant)}`, `case_id >= ${str(uuidv7Bound(start))}`, `case_id < ${str(uuidv7Bound(start + 86_400_000))}`];
  const localDay = (ms: string) => `toDate(toDateTime(intDiv(${ms}, 1000)), ${str(zone)})`;
  const [stray] = (await driver.select<{ n: unknown }>(`SELECT count() AS n FROM (${casesSql(key)})
    WHERE opened > 0 AND ${localDay('opened')} != ${localDay(CASE_ID_MS)}`)).data;
  const strays = Number(stray!.n);
  let rows = 0;
  if (strays === 0) {
    const measures = MEASURE_COLUMNS.map(([c, t]) => (t.startsWith('Array') ? `groupArrayArray(${c}) AS ${c}` : `sum(${c}) AS ${c}`));
    await driver.exec(`INSERT INTO kc_daily (tenant, id_day, version, local_day, ${DIMENSIONS.join(', ')}, ${MEASURE_COLUMNS.map(([c]) => c).join(', ')})
      SELECT tenant, toDate(${str(day)}), ${num(version)}, local_day, ${DIMENSIONS.join(', ')}, ${measures.join(', ')}
      FROM (SELECT ${caseMeasures(zone)} FROM (${casesSql(key)}) WHERE opened > 0)
      GROUP BY tenant, local_day, ${DIMENSIONS.join(', ')}`);
    const [n] = (await driver.select<{ n: unknown }>(`SELECT count() AS n FROM kc_daily WHERE tenant = ${str(tenant)} AND id_day = ${str(day)} AND version = ${num(version)}`)).data;
    rows = Number(n!.n);
  }
  // Recorded after the rows: a query that sees the build sees its rows.
  await driver.exec(`INSERT INTO kc_rollup_builds (tenant, id_day, version, built_at, strays)
    SELECT ${str(tenant)}, toDate(${str(day)}), ${num(version)}, toDateTime(${num(builtAt)}), ${num(strays)}`);
  return { rows, strays };
}

/** Builds every day touched since its last build (or never built). */
export async function refreshRollup(driver: ClickHouseDriver, settings: CitySettings): Promise<{ days: number; rows: number; strays: number }> {
  const { data } = await driver.select<{ tenant: string; day: string }>(`SELECT tenant, toString(id_day) AS day
    FROM (${LATEST_TOUCHES('')}) AS touches ANY LEFT JOIN (${LATEST_BUILDS('')}) AS builds USING (tenant, id_day)
    WHERE touched_at >= built_at ORDER BY tenant, day`);
  let rows = 0;
  let strays = 0;
  for (const { tenant, day } of data) {
    const built = await buildDay(driver, tenant, day, settings);
    rows += built.rows;
    strays += built.strays;
  }
  // Each build is a part; a query reads kc_daily FINAL, which on 18.16 opens every part of a
  // partition at once with a read buffer per column (~1 MB each): a month of freshly built days
  // went over the 2 GB query limit at 20 k cases (bench:cluster). Merging the touched months
  // into one part each keeps that bounded (kc_daily is small: ~10⁴ rows a city-year).
  for (const month of new Set(data.map(({ day }) => day.slice(0, 7).replace('-', '')))) {
    await driver.exec(`OPTIMIZE TABLE kc_daily PARTITION ${num(Number(month))} FINAL`);
  }
  return { days: data.length, rows, strays };
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The local calendar day of an instant, and whether it is that day's midnight (core's cached formatter). */
function localDay(ms: number, zone: string): { day: string; midnight: boolean } {
  const t = toLocal(new Date(ms), zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  // Zones in use have whole-minute offsets: a local midnight is a whole UTC minute.
  return { day: `${t.year}-${pad(t.month)}-${pad(t.day)}`, midnight: ms % 60_000 === 0 && t.minute === 0 };
}

/** Consecutive days as [first, after last) ranges. */
function ranges(days: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const d of days) {
    const next = utcDay(Date.parse(`${d}T00:00:00Z`) + DAY_MS);
    const last = out[out.length - 1];
    if (last && last[1] === d) last[1] = next;
    else out.push([d, next]);
  }
  return out;
}

/**
 * The rollup's part of a metrics query, or undefined when it cannot answer any of it (the
 * query then reads the facts alone). Tenants and filters are checked by metricsSql.
 */
export async function rollupPlan(driver: ClickHouseDriver, tenants: readonly string[], filters: MetricFilters, settings: CitySettings): Promise<RollupPlan | undefined> {
  const groupBy = filters.groupBy ?? 'none';
  if (groupBy === 'seat' || groupBy === 'hour' || filters.seats !== undefined || !tenants.length) return undefined;
  const zone = settings(tenants[0]!).timezone;
  if (tenants.some((t) => settings(t).timezone !== zone)) return undefined;
  const bounds: { from?: string; to?: string } = {};
  for (const side of ['from', 'to'] as const) {
    const value = filters[side];
    if (value === undefined) continue;
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) return undefined; // metricsSql refuses it with its own message
    const local = localDay(ms, zone);
    if (!local.midnight) return undefined;
    bounds[side] = local.day;
  }
  const inTenants = `WHERE tenant IN ${strList(tenants)}`;
  const { data } = await driver.select<{ tenant: string; day: string }>(`SELECT tenant, toString(id_day) AS day
    FROM (${LATEST_BUILDS(inTenants)}) AS builds ANY LEFT JOIN (${LATEST_TOUCHES(inTenants)}) AS touches USING (tenant, id_day)
    WHERE strays = 0 AND touched_at < built_at ORDER BY tenant, day`);
  if (!data.length) return undefined;
  const current = new Map<string, string[]>();
  for (const { tenant, day } of data) current.set(tenant, [...(current.get(tenant) ?? []), day]);

  const bound = (day: string) => str(uuidv7Bound(Date.parse(`${day}T00:00:00Z`)));
  // The facts: per tenant, everything outside its current days.
  const factsKey = tenants.map((t) => {
    const rs = ranges(current.get(t) ?? []);
    if (!rs.length) return `tenant = ${str(t)}`;
    const gaps = [`case_id < ${bound(rs[0]![0])}`];
    for (let i = 1; i < rs.length; i++) gaps.push(`(case_id >= ${bound(rs[i - 1]![1])} AND case_id < ${bound(rs[i]![0])})`);
    gaps.push(`case_id >= ${bound(rs[rs.length - 1]![1])}`);
    return `(tenant = ${str(t)} AND (${gaps.join(' OR ')}))`;
  });
  // The rollup: the current days, then the period and the dimensions (all in its key).
  const daily = [...current].map(([t, days]) => `(tenant = ${str(t)} AND (${ranges(days).map(([a, b]) => `(id_day >= ${str(a)} AND id_day < ${str(b)})`).join(' OR ')}))`);
  const where = [`(${daily.join(' OR ')})`];
  // The period also bounds id_day: the key is (tenant, id_day, local_day, …), so local_day alone
  // cannot narrow the read. A current day has no strays: its rows' local day is the case id's
  // instant in the city's zone, at most a day from its UTC day. Without this a 30-day query read
  // the city's whole year FINAL (18.16, 1 M cases: 443 ms for 30 days, 381 ms for the year).
  const shift = (day: string, days: number) => utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
  if (bounds.from) where.push(`id_day >= ${str(shift(bounds.from, -1))}`, `local_day >= ${str(bounds.from)}`);
  if (bounds.to) where.push(`id_day < ${str(shift(bounds.to, 1))}`, `local_day < ${str(bounds.to)}`);
  const lists = { district: filters.districts, channel: filters.channels, kind: filters.kinds };
  for (const [column, values] of Object.entries(lists)) if (values) where.push(`${column} IN ${strList(values)}`);
  const rollupSelect = `SELECT tenant, local_day, ${DIMENSIONS.join(', ')}, '' AS seat, toUInt8(0) AS local_hour, ${MEASURE_COLUMNS.map(([c]) => c).join(', ')}
    FROM kc_daily FINAL
    WHERE ${where.join(' AND ')}`;
  return { factsKey: `(${factsKey.join(' OR ')})`, rollupSelect };
}
