/** Production: a ClickHouse server over HTTP (@clickhouse/client), e.g. CLICKHOUSE_URL=http://user:pass@host:8123/kuaichu. */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Errors } from '@kuaichu/core/errors';
import type { ClickHouseDriver, Row } from './driver.ts';

/**
 * The metric queries read kc_case_facts and kc_daily FINAL: 18.16 opens every part of the range at
 * once with a read buffer per column (1 MB by default), so a freshly loaded table of ~50 parts ×
 * ~40 columns went over the 2 GB query limit at 1 M cases (bench:cluster). Small buffers bound it;
 * the reads are from the page cache, where they cost little.
 */
const READ_SETTINGS = { max_read_buffer_size: '131072' } as const;

/** Failures of the connection, not of the statement: the server is down or unreachable (an outage). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
function unreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return (typeof e?.code === 'string' && UNREACHABLE.has(e.code)) || /socket hang up|Timeout error|ECONNREFUSED/.test(String(e?.message ?? ''));
}

/**
 * The server, or KC_UNAVAILABLE while it cannot be reached. Opening does not require it to answer:
 * a process that starts during a ClickHouse outage serves cases (analytics is not on the critical
 * path), its events wait in the bus, and the first statement that reaches the server creates the tables.
 */
export async function openClickHouseServer(url: string): Promise<ClickHouseDriver> {
  // The client's own log (plain lines on the console) is off: every failure reaches the caller, and
  // the sink's retries and the outage are logged by the bus and the store in the process's log.
  const client = createClient({ url, request_timeout: 60_000, log: { level: ClickHouseLogLevel.OFF } });
  const host = new URL(url).host;
  const down = (err: unknown) => unreachable(err)
    ? Errors.unavailable(`the analytics store (ClickHouse at ${host}) is not answering; the figures are back when it is, and no event is lost meanwhile`, { retryAfterSeconds: 5 })
    : err;
  const call = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw down(err);
    }
  };
  return {
    kind: 'server',
    async exec(sql) {
      await call(() => client.command({ query: sql }));
    },
    async select<T>(sql: string) {
      return { data: await call(async () => (await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: READ_SETTINGS })).json<T>()) };
    },
    async insert(table, rows: readonly Row[]) {
      if (!rows.length) return;
      await call(() => client.insert({ table, values: rows as Row[], format: 'JSONEachRow' }));
    },
    close: () => client.close(),
  };
}
