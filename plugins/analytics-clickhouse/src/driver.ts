/**
 * One small port over the two ways to reach ClickHouse, so the sink and the metric queries are
 * written once: chdb (the engine in-process, the embedded default) and a ClickHouse server over
 * HTTP (@clickhouse/client, `CLICKHOUSE_URL`). The SQL must run on both: chdb is current
 * ClickHouse, Debian's server is 18.16 (no query parameters: values are escaped by sql.ts).
 */
export type Row = Record<string, string | number>;

export interface ClickHouseDriver {
  readonly kind: 'chdb' | 'server';
  /** A statement without a result (DDL, OPTIMIZE). */
  exec(sql: string): Promise<void>;
  /**
   * A SELECT's rows (read as JSONEachRow: one object a line, no envelope to get wrong). 64-bit
   * integers may come back as strings. Not for WITH TOTALS: that format has no place for them.
   */
  select<T = Record<string, unknown>>(sql: string): Promise<{ data: T[] }>;
  /** Inserts rows that all have the same keys, in one INSERT. */
  insert(table: string, rows: readonly Row[]): Promise<void>;
  close(): Promise<void>;
}
