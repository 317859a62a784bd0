/**
 * The Kafka bus's settings, from the environment (secrets only from there). The topic is
 * provisioned by whoever runs Kafka (`kafka-topics --create --topic case-events
 * --partitions 12 --replication-factor 3`); the bus never creates topics at run time.
 */
import type { ISocketFactory } from 'kafkajs';

export interface KafkaBusOptions {
  /** host:port list (`KAFKA_BROKERS`, comma-separated). */
  brokers: string[];
  /** `KAFKA_CLIENT_ID`, default "kuaichu". */
  clientId: string;
  /** `KAFKA_TOPIC`, default "case-events": every case event, keyed by case id. */
  topic: string;
  /** Consumer group session timeout (`KAFKA_SESSION_TIMEOUT_MS`, default 30 000; tests use a few seconds). */
  sessionTimeoutMs: number;
  /** Heartbeat period (default a tenth of the session timeout). */
  heartbeatIntervalMs: number;
  /** Back-off of a failing handler: first wait and upper bound (ms; default 200 ms doubling to 5 s). */
  handlerRetry: { initialMs: number; maxMs: number };
  /** How long a publish may keep retrying before it rejects and the relay backs off (ms). */
  publishRetry: { retries: number; initialMs: number; maxMs: number };
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** How connections are opened (tests: test/support/controllerFix.ts); kafkajs's own by default. */
  socketFactory?: ISocketFactory;
}

export function kafkaOptionsFromEnv(env: Readonly<Record<string, string | undefined>>, overrides: Partial<KafkaBusOptions> = {}): KafkaBusOptions {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  const sessionTimeoutMs = Number(env.KAFKA_SESSION_TIMEOUT_MS ?? 30_000);
  const mechanism = (env.KAFKA_SASL_MECHANISM ?? 'plain').toLowerCase();
  if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) throw new Error(`KAFKA_SASL_MECHANISM: unknown mechanism "${mechanism}"`);
  const opts: KafkaBusOptions = {
    brokers,
    clientId: env.KAFKA_CLIENT_ID ?? 'kuaichu',
    topic: env.KAFKA_TOPIC ?? 'case-events',
    sessionTimeoutMs,
    heartbeatIntervalMs: Math.max(100, Math.floor(sessionTimeoutMs / 10)),
    // A retry is one attempt of the handler (an INSERT for the analytics sink): cheap while its
    // store is down, and the cap is how long after the store is back the backlog may still wait
    // (30 s left the analytics ~35 s behind after a 15 s ClickHouse outage in the faults proof).
    handlerRetry: { initialMs: 200, maxMs: 5_000 },
    publishRetry: { retries: 8, initialMs: 300, maxMs: 5_000 },
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 30_000,
    ssl: env.KAFKA_SSL === '1' || env.KAFKA_SSL === 'true',
    ...(env.KAFKA_SASL_USERNAME
      ? { sasl: { mechanism: mechanism as 'plain', username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD ?? '' } }
      : {}),
    ...overrides,
  };
  if (!opts.brokers.length) throw new Error('KAFKA_BROKERS is empty: give the brokers as host:port,host:port');
  return opts;
}
