/** The two ClickHouse drivers every analytics test runs on: chdb in a temp dir, and Debian's 18.16 server on loopback. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAnalytics, openChdb, openClickHouseServer } from '../../src/index.ts';
import { startClickHouse } from './clickhouseServer.ts';
import { SETTINGS } from './scenario.ts';

export const drivers = {
  chdb: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-chdb-'));
    const a = await createAnalytics(openChdb(dir), SETTINGS);
    return { a, stop: async () => (await a.close(), rmSync(dir, { recursive: true, force: true })) };
  },
  'clickhouse-server 18.16': async () => {
    const server = await startClickHouse();
    const a = await createAnalytics(await openClickHouseServer(server.url), SETTINGS);
    return { a, stop: async () => (await a.close(), await server.stop()) };
  },
};
