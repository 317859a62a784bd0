/**
 * The bus on Kafka (kafkajs). One topic, `case-events`, keyed by case id, so a case's events
 * stay in one partition and in order. The producer is idempotent (acks from all in-sync
 * replicas, one request in flight) and gives up after a bounded retry, so a broker outage
 * makes `publish` reject and the outbox relay keeps the rows and backs off. Each subscriber
 * is a consumer group: a partition's batch goes to the handler, which is retried with
 * back-off until it succeeds, and only then is the group's offset committed — at-least-once,
 * never a skipped event. `close()` lets the batch in hand finish (and commit) first.
 */
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Kafka as KafkaClient, LogEntry, Producer } from 'kafkajs';
import type { BusHandler, BusLog, BusPort, BusSubscription, CaseEvent } from '@kuaichu/core/events';
import { schemaRegistry } from '@kuaichu/core/schemas';
import type { KafkaBusOptions } from './options.ts';

const { Kafka, Partitioners, logLevel } = kafkajs;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function createKafkaBus(opts: KafkaBusOptions, log: BusLog): Promise<BusPort> {
  const kafka: KafkaClient = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ssl: opts.ssl,
    ...(opts.sasl ? { sasl: opts.sasl as never } : {}),
    ...(opts.socketFactory ? { socketFactory: opts.socketFactory } : {}),
    connectionTimeout: opts.connectionTimeoutMs,
    // Connecting and metadata give up as publishing does (the relay retries); consumers restart on their own.
    retry: { retries: opts.publishRetry.retries, initialRetryTime: opts.publishRetry.initialMs, maxRetryTime: opts.publishRetry.maxMs },
    requestTimeout: opts.requestTimeoutMs,
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => forward(log, entry),
  });
  const validEnvelope = schemaRegistry().validator('events/envelope.schema.json');
  const consumers = new Set<Consumer>();
  let producer: Promise<Producer> | null = null;
  let admin: Promise<Admin> | null = null;
  let closed = false;

  /** Connects the producer on first use; a failed connect is tried again at the next publish. */
  const getProducer = (): Promise<Producer> => {
    producer ??= (async () => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner, // murmur2, as the Java client: same key, same partition
        retry: { retries: opts.publishRetry.retries, initialRetryTime: opts.publishRetry.initialMs, maxRetryTime: opts.publishRetry.maxMs },
      });
      await p.connect();
      return p;
    })();
    producer.catch(() => (producer = null));
    return producer;
  };

  const decode = (value: Buffer | null, where: string): CaseEvent | null => {
    try {
      const e = JSON.parse(value?.toString('utf8') ?? 'null') as unknown;
      if (validEnvelope(e)) return e as CaseEvent;
      log.error({ where, errors: validEnvelope.errors }, 'kafka bus: a message is not a case event; skipped');
    } catch (err) {
      log.error({ where, err }, 'kafka bus: a message is not JSON; skipped');
    }
    return null;
  };

  return {
    kind: 'kafka',

    async publish(events) {
      if (closed) throw new Error('the bus is closed');
      if (!events.length) return;
      const p = await getProducer();
      await p.send({
        topic: opts.topic,
        acks: -1,
        messages: events.map((e) => ({
          key: e.caseId,
          value: JSON.stringify(e),
          headers: { tenant: e.tenant, type: e.type },
        })),
      });
    },

    async subscribe(group, handler: BusHandler): Promise<BusSubscription> {
      if (closed) throw new Error('the bus is closed');
      const consumer = kafka.consumer({
        groupId: group,
        sessionTimeout: opts.sessionTimeoutMs,
        rebalanceTimeout: Math.max(opts.sessionTimeoutMs, 10_000),
        heartbeatInterval: opts.heartbeatIntervalMs,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 500,
        retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30_000 },
      });
      // Joins the group and runs. kafkajs restarts a crashed consumer only after retriable errors;
      // after any other (a broker answering a group sync with an unknown error during a rebalance)
      // it stops for good and the process silently leaves the group. A broker that cannot be reached
      // (an outage at start, or still down when a restart is tried) makes connect() reject. Either
      // way the bus starts it again, with backoff, until closed: the process serves on meanwhile,
      // its events wait in the outbox and the topic, and /readyz says the bus is down.
      let crashes = 0;
      const stopped = () => closed || !consumers.has(consumer);
      // A start may still be under way when the subscription or the bus is closed (subscribe does
      // not wait for it to the end): each step looks again, and a closed consumer is disconnected
      // rather than left running on a closed bus.
      let connected = () => {};
      const reachedBroker = new Promise<true>((resolve) => (connected = () => resolve(true)));
      const start = async () => {
        await consumer.connect();
        connected();
        if (stopped()) return consumer.disconnect();
        await consumer.subscribe({ topics: [opts.topic], fromBeginning: true });
        if (stopped()) return consumer.disconnect();
        await consumer.run(runConfig);
        if (stopped()) return consumer.disconnect();
      };
      const startAgain = (err: unknown) => {
        if (stopped()) return;
        const wait = Math.min(30_000, 1000 * 2 ** Math.min(crashes++, 5));
        log.error({ err, group, retryInMs: wait }, 'kafka bus: the consumer is not running; starting it again');
        setTimeout(() => {
          if (stopped()) return;
          void (async () => {
            await consumer.disconnect().catch(() => {});
            await start();
          })().catch(startAgain);
        }, wait).unref();
      };
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) startAgain(payload.error);
      });
      consumer.on(consumer.events.GROUP_JOIN, () => (crashes = 0));
      const runConfig: Parameters<typeof consumer.run>[0] = {
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }) => {
          if (!batch.messages.length) return;
          const where = `${batch.topic}/${batch.partition}@${batch.firstOffset()}`;
          const events = batch.messages.map((m) => decode(m.value, where)).filter((e): e is CaseEvent => e !== null);
          for (let attempt = 0; events.length; attempt++) {
            // Stopping or rebalanced away: leave the batch uncommitted; it is delivered again.
            if (!isRunning() || isStale()) return;
            try {
              await handler(events);
              break;
            } catch (err) {
              const wait = Math.min(opts.handlerRetry.maxMs, opts.handlerRetry.initialMs * 2 ** Math.min(attempt, 16));
              log.warn({ err, group, where, attempt: attempt + 1, retryInMs: wait }, 'kafka bus: handler failed; retrying the batch');
              for (const until = Date.now() + wait; Date.now() < until && isRunning(); ) await sleep(Math.min(100, until - Date.now()));
              await heartbeat().catch(() => {});
            }
          }
          // The handler has the batch: only now does the group move past it. (The batch's own
          // commit, unlike consumer.commitOffsets, still commits while close() waits for it.)
          const offset = (BigInt(batch.lastOffset()) + 1n).toString();
          await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }] });
          resolveOffset(batch.lastOffset()); // and the fetcher moves on from there
          await heartbeat();
        },
      };
      // Registered before the first run: the first join and sync happen inside run(), and a crash
      // there (three processes starting at once) must be restarted like any later one.
      consumers.add(consumer);
      // The group is joined when this returns, as long as the broker answers. One that does not
      // would hold the process's start for kafkajs's whole connect retry (~20 s per group): the
      // connection is waited for only briefly, and the consumer goes on trying in the background.
      const first = start().catch(startAgain);
      const reached = await Promise.race([reachedBroker, first.then(() => false), sleep(opts.connectionTimeoutMs + 2000).then(() => false)]);
      if (reached) await first;
      return {
        async close() {
          if (!consumers.delete(consumer)) return;
          await consumer.disconnect();
        },
      };
    },

    // Readiness (/readyz): the brokers answer a metadata request now, on a connection kept for it.
    async check() {
      if (closed) throw new Error('the bus is closed');
      admin ??= (async () => {
        const a = kafka.admin();
        await a.connect();
        return a;
      })();
      admin.catch(() => (admin = null));
      await (await admin).describeCluster();
    },

    async close() {
      if (closed) return;
      closed = true;
      const a = await admin?.catch(() => null);
      await a?.disconnect().catch((err) => log.warn({ err }, 'kafka bus: admin disconnect failed'));
      await Promise.all([...consumers].map((c) => c.disconnect().catch((err) => log.warn({ err }, 'kafka bus: consumer disconnect failed'))));
      consumers.clear();
      const p = await producer?.catch(() => null);
      await p?.disconnect().catch((err) => log.warn({ err }, 'kafka bus: producer disconnect failed'));
    },
  };
}

/** kafkajs's log lines into ours (level for level). */
function forward(log: BusLog, { level, log: entry }: LogEntry): void {
  const { message, ...rest } = entry;
  // We bound the idempotent producer's retries on purpose (the relay retries); not news each start.
  if (message.startsWith('Limiting retries for the idempotent producer')) return;
  const obj = { kafka: rest };
  if (level === logLevel.ERROR) log.error(obj, message);
  else if (level === logLevel.WARN) log.warn(obj, message);
  else log.info(obj, message);
}
