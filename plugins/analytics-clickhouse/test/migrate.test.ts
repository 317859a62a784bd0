/**
 * The facts table is partitioned by the month of the case id's time. A store made by an
 * earlier version (facts not partitioned) is rebuilt from its events when it is opened, on
 * both drivers; the answers stay the hand-worked ones, and opening again changes nothing. A server
 * down at the opening does not stop it: the tables are made when it answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CASE_MONTH, DDL } from '../src/schema.ts';
import { createAnalytics, openChdb, openClickHouseServer, toRow, type ClickHouseDriver } from '../src/index.ts';
import { startClickHouse } from './support/clickhouseServer.ts';
import { DAY, KUNMING_DAY, SETTINGS, scenario } from './support/scenario.ts';

const events = scenario();

async function upgradeThenQuery(driver: () => Promise<ClickHouseDriver>) {
  // The store as the previous version left it: same tables, facts without partitions.
  const old = await driver();
  const unpartitioned = DDL.map((statement) => statement.replace(`PARTITION BY ${CASE_MONTH}`, ''));
  assert.notDeepEqual(unpartitioned, DDL, 'the facts table is the partitioned one');
  for (const statement of unpartitioned) await old.exec(statement);
  await old.insert('kc_events', events.map(toRow));
  await old.close();

  const a = await createAnalytics(await driver(), SETTINGS);
  const [shown] = (await a.driver.select<{ statement: string }>('SHOW CREATE TABLE kc_case_facts')).data;
  assert.match(shown!.statement, /PARTITION BY toYYYYMM/);
  assert.deepEqual((await a.queryMetrics('kunming', DAY)).total, KUNMING_DAY);
  // The June cases' facts sit in the June partition (UTC): 202606.
  const partitions = await a.driver.select<{ p: string }>("SELECT DISTINCT partition AS p FROM system.parts WHERE active AND table = 'kc_case_facts' ORDER BY p");
  assert.deepEqual(partitions.data.map((r) => String(r.p)), ['202606']);
  // New events still reach the facts through the view, which now feeds the new table.
  const harbinBefore = (await a.queryMetrics('harbin')).total.reports;
  await a.sink(events.filter((e) => e.tenant === 'harbin').map((e) => ({ ...e, id: `${e.id.slice(0, -4)}ffff`, caseId: e.caseId.replace(/.{4}$/, 'abcd') })));
  assert.equal((await a.queryMetrics('harbin')).total.reports, harbinBefore + 1);
  await a.close();

  // Opening again finds the partitioned table and leaves it alone.
  const again = await createAnalytics(await driver(), SETTINGS);
  assert.deepEqual((await again.queryMetrics('kunming', DAY)).total, KUNMING_DAY);
  const tables = await again.driver.select<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'kc_%' ORDER BY name");
  assert.deepEqual(tables.data.map((t) => t.name), ['kc_case_facts', 'kc_case_facts_mv', 'kc_case_touches', 'kc_daily', 'kc_events', 'kc_rollup_builds']);
  // The daily rollup, new to this store, was given every day the events hold: built, the answers stay.
  assert.ok((await again.refreshRollup()).days >= 2, 'the old days are built into the rollup');
  assert.deepEqual((await again.queryMetrics('kunming', DAY)).total, KUNMING_DAY);
  await again.close();
}

test('chdb: an unpartitioned facts table of an earlier version is rebuilt from the events', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-chdb-'));
  try {
    await upgradeThenQuery(async () => openChdb(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clickhouse-server 18.16: an unpartitioned facts table of an earlier version is rebuilt from the events', async () => {
  const server = await startClickHouse();
  try {
    await upgradeThenQuery(() => openClickHouseServer(server.url));
  } finally {
    await server.stop();
  }
});

test('clickhouse-server down when the store is opened: it opens (the process starts), queries answer KC_UNAVAILABLE, the sink fails its batch; once the server is back the first batch creates the tables and every event counts', async () => {
  const server = await startClickHouse();
  try {
    await server.down();
    const logged: string[] = [];
    const log = { info: (_o: object, m: string) => void logged.push(m), error: (_o: object, m: string) => void logged.push(m) };
    const a = await createAnalytics(await openClickHouseServer(server.url), SETTINGS, { log });
    assert.match(logged.join('\n'), /ClickHouse is not answering at start; serving without it/);
    await assert.rejects(a.queryMetrics('kunming', DAY), (err: Error & { code?: string; statusCode?: number }) => err.code === 'KC_UNAVAILABLE' && err.statusCode === 503 && /not answering/.test(err.message));
    await assert.rejects(a.sink(events), (err: Error & { code?: string }) => err.code === 'KC_UNAVAILABLE', 'the bus delivers the batch again later');
    await server.up();
    await a.sink(events);
    assert.deepEqual((await a.queryMetrics('kunming', DAY)).total, KUNMING_DAY);
    assert.match(logged.join('\n'), /ClickHouse answers again; its tables are in place/);
    await a.close();
  } finally {
    await server.stop();
  }
});

test('a statement ClickHouse refuses is not an outage: it fails as itself, not as KC_UNAVAILABLE', async () => {
  const server = await startClickHouse();
  try {
    const driver = await openClickHouseServer(server.url);
    await assert.rejects(driver.exec('SELECT no_such_column FROM system.one'), (err: Error & { code?: string }) => err.code !== 'KC_UNAVAILABLE' && /no_such_column/.test(err.message));
    await driver.close();
  } finally {
    await server.stop();
  }
});
