/**
 * The Kafka bus against librdkafka's mock cluster (test/mock-cluster.c): events keyed by case
 * reach every group with a case's events in order; a failing handler gets its batch again; a
 * group's offset moves only after its handler succeeded, close() finishes the batch in hand,
 * and the group's next process resumes where it committed; a broker outage mid-stream loses nothing.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { BusPort, CaseEvent } from '@kuaichu/core/events';
import { createKafkaBus } from '../src/kafkaBus.ts';
import { kafkaOptionsFromEnv } from '../src/options.ts';
import { startMockCluster, type MockCluster } from './support/mockCluster.ts';
import { mockControllerFix } from './support/controllerFix.ts';
import { until } from '@kuaichu/testkit/until';

const quiet = process.env.KDEBUG ? { info: () => {}, warn: (o: object, m?: string) => console.log("WARN", m, JSON.stringify(o).slice(0, 300)), error: (o: object, m?: string) => console.log("ERR", m, JSON.stringify(o).slice(0, 300)) } : { info: () => {}, warn: () => {}, error: () => {} };
let mock: MockCluster;
let topics = 0;
const buses: BusPort[] = [];

before(async () => {
  mock = await startMockCluster({ brokers: 1, topics: {} });
});
// Each test's buses go before the next test, so one test's consumers never ride another's outage.
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
});
after(() => mock?.stop());

/** A bus on a fresh topic of `partitions` (tests do not see each other's events). */
async function freshBus(partitions = 3, topic = `t${++topics}`): Promise<BusPort> {
  await mock.createTopic(topic, partitions);
  return busOn(topic);
}
/** The bus's options on the mock, with short retries and timeouts (the tests wait for conditions, not for these). */
function optionsFor(topic: string) {
  return kafkaOptionsFromEnv(
    { KAFKA_BROKERS: mock.brokers.join(','), KAFKA_TOPIC: topic, KAFKA_SESSION_TIMEOUT_MS: '6000' },
    { socketFactory: mockControllerFix(), handlerRetry: { initialMs: 50, maxMs: 200 }, publishRetry: { retries: 2, initialMs: 100, maxMs: 300 }, connectionTimeoutMs: 500, requestTimeoutMs: 3000 },
  );
}
async function busOn(topic: string): Promise<BusPort> {
  const opts = optionsFor(topic);
  const bus = await createKafkaBus(opts, quiet);
  buses.push(bus);
  return bus;
}

/** `cases` cases with `perCase` events each, as the outbox would hold them. */
function events(cases: number, perCase: number): CaseEvent[] {
  const out: CaseEvent[] = [];
  const ids = Array.from({ length: cases }, () => randomUUID());
  for (let seq = 1; seq <= perCase; seq++) {
    for (const caseId of ids) {
      out.push({ id: randomUUID(), tenant: 'kunming', caseId, seq, type: 'evidence.added', at: new Date(Date.UTC(2026, 5, 1, 2, 0, seq)).toISOString(), actor: 'system', payload: {} as never });
    }
  }
  return out;
}

test('1,000 events over 3 partitions reach each group, each case in seq order', async () => {
  const bus = await freshBus(3);
  const all = events(50, 20);
  const got: Record<string, CaseEvent[]> = { a: [], b: [] };
  await bus.subscribe('a', async (batch) => void got.a!.push(...batch));
  await bus.subscribe('b', async (batch) => void got.b!.push(...batch));
  for (let i = 0; i < all.length; i += 100) await bus.publish(all.slice(i, i + 100));
  await until(() => got.a!.length >= all.length && got.b!.length >= all.length, 'both groups');
  for (const g of ['a', 'b']) {
    assert.deepEqual(new Set(got[g]!.map((e) => e.id)), new Set(all.map((e) => e.id)), `group ${g} got every event`);
    const byCase = new Map<string, number[]>();
    for (const e of got[g]!) byCase.set(e.caseId, [...(byCase.get(e.caseId) ?? []), e.seq]);
    for (const seqs of byCase.values()) assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  }
  assert.deepEqual(got.a![0], all.find((e) => e.id === got.a![0]!.id), 'the envelope arrives as published');
});

test('a failing handler gets its batch again; close() finishes the batch in hand and commits; the next process resumes after it', async () => {
  const topic = `t${++topics}`;
  await mock.createTopic(topic, 1);
  const bus = await busOn(topic);
  const first = events(10, 3);
  let calls = 0;
  let succeeding!: () => void;
  const inLastAttempt = new Promise<void>((r) => (succeeding = r));
  // The sink is still writing when close() is called: it finishes only when the test lets it.
  let finishWrite!: () => void;
  const writing = new Promise<void>((r) => (finishWrite = r));
  const got: string[] = [];
  const sub = await bus.subscribe('sink', async (batch) => {
    if (++calls <= 2) throw new Error('sink unavailable'); // retried with back-off, never skipped
    succeeding();
    await writing;
    got.push(...batch.map((e) => e.id));
  });
  await bus.publish(first);
  await inLastAttempt;
  let closed = false;
  const closing = sub.close().then(() => void (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'close() waits for the batch in hand');
  finishWrite();
  await closing;
  assert.deepEqual(got.sort(), first.map((e) => e.id).sort(), 'the batch in hand was finished before close() resolved');

  // Another process of the same group: nothing committed comes again, only what is new.
  const bus2 = await busOn(topic);
  const second = events(3, 1);
  const got2: string[] = [];
  await bus2.subscribe('sink', async (batch) => void got2.push(...batch.map((e) => e.id)));
  await bus2.publish(second);
  // One partition keeps order: once a marker published after them arrives, anything committed that came again
  // would already be here (no fixed pause needed to see that nothing else comes).
  const [marker] = events(1, 1);
  await bus2.publish([marker!]);
  await until(() => got2.includes(marker!.id), 'the marker after the new events');
  assert.deepEqual(got2.filter((id) => id !== marker!.id).sort(), second.map((e) => e.id).sort());
});

test('a broker outage mid-stream: publishes fail and are retried, the group recovers, nothing is lost', async () => {
  const bus = await freshBus(3);
  const all = events(40, 10);
  const got = new Map<string, number>();
  await bus.subscribe('outage', async (batch) => void batch.forEach((e) => got.set(e.id, (got.get(e.id) ?? 0) + 1)));
  let failures = 0;
  for (let i = 0; i < all.length; i += 20) {
    if (i === 200) await mock.down(1);
    // What the outbox relay does: keep the batch and try again (the producer's own retries,
    // publishRetry, are the back-off; the test adds no pause of its own).
    for (;;) {
      try {
        await bus.publish(all.slice(i, i + 20));
        break;
      } catch {
        // The broker comes back once the producer has felt the outage twice (a condition, not a timer).
        if (++failures === 2) await mock.up(1);
      }
    }
  }
  await until(() => got.size === all.length, `every event after the outage (${got.size}/${all.length})`);
  assert.ok(failures > 0, 'the outage was felt by the producer');
  assert.deepEqual(new Set(got.keys()), new Set(all.map((e) => e.id)));
});

test('a consumer kafkajs stops for good (a non-retriable answer to its group sync) is started again by the bus and gets every event', async () => {
  // librdkafka's mock answers a member whose SyncGroup arrives after the leader's with
  // INVALID_REQUEST (the group is already up): kafkajs treats it as fatal and stops the consumer.
  // The same answer is injected here for the first sync, so the test does not depend on timing.
  const SYNC_GROUP = 14, INVALID_REQUEST = 42;
  const topic = `t${++topics}`;
  await mock.createTopic(topic, 3);
  const errors: string[] = [];
  const opts = optionsFor(topic);
  const bus = await createKafkaBus(opts, { info: () => {}, warn: () => {}, error: (o: object, m?: string) => { errors.push(m ?? ''); if (process.env.KDEBUG) console.log('ERR', m, JSON.stringify(o).slice(0, 400)); } });
  buses.push(bus);
  await mock.failNext(SYNC_GROUP, INVALID_REQUEST);
  const got = new Map<string, number>();
  await bus.subscribe('restarted', async (batch) => void batch.forEach((e) => got.set(e.id, (got.get(e.id) ?? 0) + 1)));
  const all = events(10, 5);
  await bus.publish(all);
  await until(() => got.size === all.length, `every event after the restart (${got.size}/${all.length})`);
  assert.ok(errors.includes('kafka bus: the consumer is not running; starting it again'), `the consumer was stopped and started again: ${errors.join(' | ')}`);
  assert.deepEqual(new Set(got.keys()), new Set(all.map((e) => e.id)));
});

test('subscribing while the broker is down: the call returns (the process starts), the consumer joins once the broker is back and gets every event', async () => {
  const topic = `t${++topics}`;
  await mock.createTopic(topic, 3);
  const errors: string[] = [];
  const opts = optionsFor(topic);
  await mock.down(1);
  const got = new Map<string, number>();
  try {
    const bus = await createKafkaBus(opts, { info: () => {}, warn: () => {}, error: (_o: object, m?: string) => void errors.push(m ?? '') });
    buses.push(bus);
    await bus.subscribe('started-down', async (batch) => void batch.forEach((e) => got.set(e.id, (got.get(e.id) ?? 0) + 1)));
    assert.ok(errors.includes('kafka bus: the consumer is not running; starting it again'), `the failed start was said: ${errors.join(' | ')}`);
    await assert.rejects(bus.publish(events(1, 1)), 'a publish still fails while the broker is down (the outbox keeps the rows)');
    await mock.up(1);
    const all = events(10, 5);
    await bus.publish(all);
    await until(() => all.every((e) => got.has(e.id)), `every event once the consumer joined (${got.size}/${all.length})`);
    assert.ok([...got.values()].every((n) => n >= 1));
  } finally {
    await mock.up(1);
  }
});
