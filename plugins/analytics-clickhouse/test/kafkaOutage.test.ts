/**
 * The whole production event path, end to end: case_events (the outbox, in PGlite) → relay →
 * Kafka (librdkafka's mock cluster, idempotent producer) → consumer group "analytics" → the
 * ClickHouse sink (chdb) → metrics. Mid-stream the broker goes down for a few seconds, two
 * publishes lose their acknowledgement (so Kafka holds duplicates), the sink fails once and a
 * consumer hands over to another: the metrics still count every event exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LIVE_CHANNEL, migrate as migratePg, openPglite } from '@kuaichu/core/harness';
import { startRelay, type BusPort, type CaseEvent, type Relay } from '@kuaichu/core/events';
import { createKafkaBus, kafkaOptionsFromEnv } from '@kuaichu/plugin-bus-kafka';
import { startMockCluster, type MockCluster } from '@kuaichu/plugin-bus-kafka/test/mock-cluster';
import { mockControllerFix } from '@kuaichu/plugin-bus-kafka/test/controller-fix';
import { createAnalytics, openChdb, type Analytics } from '../src/index.ts';
import { DAY, KUNMING_DAY, SETTINGS, scenario } from './support/scenario.ts';
import { until } from '@kuaichu/testkit/until';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
let mock: MockCluster;
let dir: string;
let analytics: Analytics;
const closers: Array<() => Promise<unknown>> = [];

before(async () => {
  mock = await startMockCluster({ brokers: 1, topics: { 'case-events': 3 } });
  dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-e2e-'));
  analytics = await createAnalytics(openChdb(dir), SETTINGS);
});
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await analytics?.close();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function kafkaBus(): Promise<BusPort> {
  const opts = kafkaOptionsFromEnv(
    { KAFKA_BROKERS: mock.brokers.join(','), KAFKA_SESSION_TIMEOUT_MS: '6000' },
    { socketFactory: mockControllerFix(), handlerRetry: { initialMs: 100, maxMs: 500 }, publishRetry: { retries: 2, initialMs: 100, maxMs: 300 }, connectionTimeoutMs: 500, requestTimeoutMs: 3000 },
  );
  const bus = await createKafkaBus(opts, quiet);
  closers.push(() => bus.close());
  return bus;
}

test('a broker outage mid-stream, lost acks, a failing sink and a consumer hand-over: every event counted exactly once', async () => {
  const db = await openPglite();
  closers.push(() => db.close());
  await migratePg(db);

  // The sink fails once and is slow: the bus must retry, never skip.
  let sinkCalls = 0;
  let delivered = 0;
  const sink = async (events: readonly CaseEvent[]) => {
    if (++sinkCalls === 2) throw new Error('ClickHouse unavailable');
    await analytics.sink(events);
    delivered += events.length;
  };
  const consumerBus = await kafkaBus();
  let subscription = await consumerBus.subscribe('analytics', sink);

  // Twice the brokers take a batch but the answer is lost: the relay publishes it again (duplicates in Kafka).
  const producerBus = await kafkaBus();
  let lostAcks = 0;
  let outageFailures = 0; // publishes the outage made fail: the broker comes back once the relay has felt it
  let brokerDown = false;
  const flaky: BusPort = {
    ...producerBus,
    async publish(events) {
      try {
        await producerBus.publish(events);
      } catch (err) {
        if (brokerDown) outageFailures++;
        throw err;
      }
      if (++lostAcks === 2 || lostAcks === 5) throw new Error('request timed out');
    },
  };
  const relay: Relay = await startRelay({ db }, flaky, { intervalMs: 100, maxBackoffMs: 400, batchSize: 4 });
  closers.push(() => relay.close());

  // The outbox fills case by case while the broker goes down and comes back.
  const events = scenario();
  const byCase = new Map<string, CaseEvent[]>();
  for (const e of events) byCase.set(e.caseId, [...(byCase.get(e.caseId) ?? []), e]);
  let written = 0;
  const unpublishedOf = async (caseId: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND published_at IS NULL', [caseId]))[0]!.n;
  for (const [n, caseEvents] of [...byCase.values()].entries()) {
    if (n === 3) {
      await mock.down(1);
      brokerDown = true;
    }
    await db.tx(async (q) => {
      for (const e of caseEvents) {
        await q.query('INSERT INTO case_events (tenant, case_id, seq, id, type, payload, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
          e.tenant, e.caseId, e.seq, e.id, e.type, JSON.stringify(e.payload), e.actor, e.at,
        ]);
      }
      await q.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, '{}']);
    });
    written += caseEvents.length;
    if (n === 1) {
      // A consumer process goes away and another takes over the group.
      await subscription.close();
      subscription = await (await kafkaBus()).subscribe('analytics', sink);
    }
    if (n === 3) {
      await until(async () => outageFailures >= 2, 'the relay to feel the outage');
      brokerDown = false;
      await mock.up(1);
    }
    // Case by case, as they happen: the next case is written once the relay has published this one.
    await until(async () => (await unpublishedOf(caseEvents[0]!.caseId)) === 0, `case ${n + 1} published`);
  }
  assert.equal(written, events.length);

  await until(async () => {
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_events WHERE published_at IS NULL');
    return row!.n === 0;
  }, 'the relay to publish everything');
  await until(async () => {
    const { data } = await analytics.driver.select<{ n: unknown }>('SELECT count() AS n FROM kc_events FINAL');
    return Number(data[0]!.n) === events.length;
  }, 'every event in ClickHouse');

  assert.ok(sinkCalls >= 2, 'the failed batch was delivered again');
  assert.ok(delivered > events.length, `duplicates reached the sink (${delivered} deliveries of ${events.length} events)`);
  assert.deepEqual((await analytics.queryMetrics('kunming', DAY)).total, KUNMING_DAY);
  assert.equal((await analytics.queryMetrics('harbin')).total.reports, 1);
});
