/** Production: a ClickHouse server over HTTP (@clickhouse/client), e.g. CLICKHOUSE_URL=http://user:pass@host:8123/kuaichu. */
import { createClient } from '@clickhouse/client';
import type { ClickHouseDriver, Row } from './driver.ts';

/**
 * The metric queries read kc_case_facts and kc_daily FINAL: 18.16 opens every part of the range at
 * once with a read buffer per column (1 MB by default), so a freshly loaded table of ~50 parts ×
 * ~40 columns went over the 2 GB query limit at 1 M cases (bench:cluster). Small buffers bound it;
 * the reads are from the page cache, where they cost little.
 */
const READ_SETTINGS = { max_read_buffer_size: '131072' } as const;

export async function openClickHouseServer(url: string): Promise<ClickHouseDriver> {
  const client = createClient({ url, request_timeout: 60_000 });
  // Fail at start, not at the first event, when the server cannot be reached.
  const ping = await client.ping();
  if (!ping.success) {
    await client.close();
    throw new Error(`ClickHouse at ${new URL(url).host} is not reachable: ${(ping as { error?: Error }).error?.message ?? 'no answer'}`);
  }
  return {
    kind: 'server',
    async exec(sql) {
      await client.command({ query: sql });
    },
    async select<T>(sql: string) {
      return { data: await (await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: READ_SETTINGS })).json<T>() };
    },
    async insert(table, rows: readonly Row[]) {
      if (!rows.length) return;
      await client.insert({ table, values: rows as Row[], format: 'JSONEachRow' });
    },
    close: () => client.close(),
  };
}
