/**
 * Issue 15: the Kafka bus's readiness check (BusPort.check, behind /readyz): it answers while the
 * brokers do, fails while they are down, and answers again once they are back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BusPort } from '@kuaichu/core/events';
import { createKafkaBus } from '../src/kafkaBus.ts';
import { kafkaOptionsFromEnv } from '../src/options.ts';
import { startMockCluster, type MockCluster } from './support/mockCluster.ts';
import { mockControllerFix } from './support/controllerFix.ts';
import { until } from '@kuaichu/testkit/until';

let mock: MockCluster;
let bus: BusPort;
before(async () => {
  mock = await startMockCluster({ brokers: 1, topics: { ready: 1 } });
  const opts = kafkaOptionsFromEnv(
    { KAFKA_BROKERS: mock.brokers.join(','), KAFKA_TOPIC: 'ready' },
    { socketFactory: mockControllerFix(), publishRetry: { retries: 0, initialMs: 100, maxMs: 200 }, connectionTimeoutMs: 500, requestTimeoutMs: 1000 },
  );
  bus = await createKafkaBus(opts, { info: () => {}, warn: () => {}, error: () => {} });
});
after(async () => {
  await bus?.close();
  await mock?.stop();
});

const answers = async () => bus.check!().then(() => true, () => false);

test('ready while the broker answers, not while it is down, ready again when it is back', async () => {
  assert.equal(await answers(), true);
  await mock.down(1);
  await until(async () => !(await answers()), 'the check fails while the broker is down');
  await mock.up(1);
  await until(() => answers(), 'the check answers again');
});
