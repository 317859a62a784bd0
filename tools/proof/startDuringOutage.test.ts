/**
 * The short version of the crash proof's "killed during an outage" (issue 16): the whole server
 * (startCore, in process) started while the Kafka broker and the ClickHouse server are both down.
 * It starts and serves a report; /readyz says the bus is down (the database is up); the
 * dashboard answers 503 KC_UNAVAILABLE, not 500. When both come back, the case's events reach
 * ClickHouse through the outbox, Kafka and the sink, once each, with no restart.
 * (`npm run proof:crash-faults` does the same with kill -9 and the whole flow; it is too long for CI.)
 */
// The mock cluster reports a controller that does not exist: the test-only socket factory, before kafkajs loads.
import '../../e2e/support/kafkaMockPreload.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acrossTenants } from '@kuaichu/core/harness';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { until } from '@kuaichu/testkit/until';
import { startMockCluster } from '@kuaichu/plugin-bus-kafka/test/mock-cluster';
import { startClickHouse } from '../../plugins/analytics-clickhouse/test/support/clickhouseServer.ts';

const DAOLI = { lng: 126.617, lat: 45.773, source: 'gps', accuracyMeters: 10 };

test('started with the Kafka broker and ClickHouse down: serves a report, says what is down, and counts the events once both are back', { timeout: 240_000 }, async (t) => {
  const [kafka, clickhouse] = await Promise.all([startMockCluster({ brokers: 1, topics: { 'case-events': 3 } }), startClickHouse()]);
  // The server goes first, while its broker still answers: a consumer whose broker is gone for good
  // goes on reconnecting inside kafkajs, and its timers would keep this process alive.
  let tc: TestCore | null = null;
  t.after(async () => {
    await tc?.close();
    await kafka.stop().catch(() => {});
    await clickhouse.stop().catch(() => {});
  });
  await kafka.down(1);
  await clickhouse.down();

  const started = performance.now();
  tc = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', {
    analytics: true,
    env: { KAFKA_BROKERS: kafka.brokers.join(','), KAFKA_SESSION_TIMEOUT_MS: '6000', CLICKHOUSE_URL: `${clickhouse.url}/default`, KUAICHU_TENANTS: 'harbin' },
  });
  t.diagnostic(`started with both down in ${Math.round(performance.now() - started)} ms`);

  const ready = await tc.call('GET', '/readyz');
  assert.equal(ready.statusCode, 503);
  assert.deepEqual({ db: ready.json().error.details.db, bus: ready.json().error.details.bus }, { db: true, bus: false }, 'not ready because of the bus only');

  const party = await tc.party('harbin', '13800007001');
  const reported = await tc.call('POST', '/api/cases', { token: party, body: { clientKey: 'start-during-outage-1', report: { location: DAOLI, kind: 'motor_motor' } } });
  assert.equal(reported.statusCode, 201, reported.body);
  const caseId = reported.json().id as string;

  const analyst = await tc.staff('harbin', 'analyst');
  const metrics = () => tc.call('GET', '/api/analytics/metrics?from=2026-06-01&to=2026-06-01', { token: analyst });
  const down = await metrics();
  assert.equal(down.statusCode, 503, down.body);
  assert.equal(down.json().error.code, 'KC_UNAVAILABLE');
  assert.ok(Number(down.headers['retry-after']) > 0, 'Retry-After says when to look again');

  // Both back: the outbox drains into Kafka, the consumer joins, the sink makes the tables and inserts.
  await kafka.up(1);
  await clickhouse.up();
  const inDatabase = await acrossTenants(tc.db, 'start during outage', async (q) => Number((await q.query<{ n: string }>('SELECT count(*)::text AS n FROM case_events WHERE case_id = $1', [caseId]))[0]!.n));
  assert.ok(inDatabase >= 1, `the report wrote its event (${inDatabase})`);
  await until(async () => (await metrics()).statusCode === 200 && (await metrics()).json().total.reports === 1, 'the report is in the dashboard', { hangGuardMs: 180_000 });
  await until(async () => (await tc.call('GET', '/readyz')).statusCode === 200, 'ready once the broker is back', { hangGuardMs: 120_000 });
  const rows = await fetch(`${clickhouse.url}/?database=default`, { method: 'POST', body: `SELECT count() AS n, uniqExact(id) AS u FROM kc_events FINAL WHERE case_id = '${caseId}' FORMAT JSON` });
  const { n, u } = ((await rows.json()) as { data: Array<{ n: string; u: string }> }).data[0]!;
  assert.equal(Number(u), inDatabase, 'every event of the case reached ClickHouse');
  assert.equal(Number(n), inDatabase, 'each once');
});
