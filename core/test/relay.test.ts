/**
 * The outbox relay: every committed event reaches the bus at least once, in (at, seq) order,
 * and is marked published only after the bus took it; several relays on one PostgreSQL share
 * the work without publishing a row twice; a LIVE_CHANNEL note wakes the relay at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/db.ts';
import { LIVE_CHANNEL } from '../src/context.ts';
import type { CaseEvent } from '../src/cases/repository.ts';
import type { BusPort } from '../src/ports/bus.ts';
import { inProcessBus } from '../src/events/inProcessBus.ts';
import { relayBatch, startRelay } from '../src/events/relay.ts';
import { uuidv7 } from '../src/ids.ts';
import { createDatabase, startPostgres, type TestPostgres } from '@kuaichu/testkit/postgres';
import { until } from '@kuaichu/testkit/until';

const T0 = Date.parse('2026-06-01T02:00:00Z');

/** Writes `perCase` events for each of `cases` new cases, interleaved in time, as the repository would. */
async function writeEvents(db: Db, cases: number, perCase: number, notify = false): Promise<string[]> {
  const ids: string[] = [];
  const caseIds = Array.from({ length: cases }, (_, i) => uuidv7(T0 + i));
  for (let seq = 1; seq <= perCase; seq++) {
    await db.tx(async (q) => {
      for (const [i, caseId] of caseIds.entries()) {
        const id = randomUUID();
        ids.push(id);
        await q.query('INSERT INTO case_events (tenant, case_id, seq, id, type, payload, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
          'harbin', caseId, seq, id, 'evidence.added', '{}', 'system', new Date(T0 + seq * 1000 + i),
        ]);
      }
      if (notify) await q.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, '{}']);
    });
  }
  return ids;
}

/** A bus that records what it was given and can be told to fail. */
function recordingBus(): BusPort & { batches: CaseEvent[][]; failNext: number } {
  const bus = {
    kind: 'recording',
    batches: [] as CaseEvent[][],
    failNext: 0,
    async publish(events: readonly CaseEvent[]) {
      if (bus.failNext > 0) {
        bus.failNext--;
        throw new Error('broker unavailable');
      }
      bus.batches.push([...events]);
    },
    subscribe: async () => ({ close: async () => {} }),
    close: async () => {},
  };
  return bus;
}

async function unpublished(db: Db): Promise<number> {
  const [r] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_events WHERE published_at IS NULL');
  return r!.n;
}

describe('outbox relay on PGlite', () => {
  let db: Db;
  before(async () => {
    db = await openPglite();
    await migrate(db);
  });
  after(() => db?.close());

  test('publishes every unpublished event once, oldest first, in batches, and marks it', async () => {
    const ids = await writeEvents(db, 7, 3);
    const bus = recordingBus();
    let rounds = 0;
    while ((await relayBatch(db, bus, 5)) > 0) rounds++;
    assert.equal(rounds, 5); // 21 events in batches of 5
    const sent = bus.batches.flat();
    assert.deepEqual(new Set(sent.map((e) => e.id)), new Set(ids));
    assert.equal(sent.length, ids.length);
    const keys = sent.map((e) => `${e.at}|${e.seq}`);
    assert.deepEqual(keys, [...keys].sort(), 'in (at, seq) order');
    assert.deepEqual(Object.keys(sent[0]!).sort(), ['actor', 'at', 'caseId', 'id', 'payload', 'seq', 'tenant', 'type']);
    assert.equal(await unpublished(db), 0);
    assert.equal(await relayBatch(db, bus, 5), 0);
  });

  test('a failed publish leaves the events unpublished; they go again when the bus is back', async () => {
    const ids = await writeEvents(db, 3, 1);
    const bus = recordingBus();
    bus.failNext = 1;
    await assert.rejects(relayBatch(db, bus), /broker unavailable/);
    assert.equal(await unpublished(db), 3);
    assert.equal(await relayBatch(db, bus), 3);
    assert.deepEqual(bus.batches.flat().map((e) => e.id).sort(), [...ids].sort());
    assert.equal(await unpublished(db), 0);
  });

  test('in-process bus: a note wakes the relay; a handler may use the database while it runs; a failing group gets the batch again', async () => {
    const bus = inProcessBus();
    const seen: string[] = [];
    let failOnce = true;
    const ok: string[] = [];
    await bus.subscribe('analytics', async (events) => {
      // A consumer reading the database inside delivery must not deadlock the relay.
      await db.query('SELECT count(*) FROM case_events');
      if (failOnce) {
        failOnce = false;
        throw new Error('sink down');
      }
      seen.push(...events.map((e) => e.id));
    });
    await bus.subscribe('other', async (events) => void ok.push(...events.map((e) => e.id)));
    // A long interval: only the note (or the back-off after the failure) can explain a quick delivery.
    const relay = await startRelay({ db }, bus, { intervalMs: 50, maxBackoffMs: 50 });
    const ids = await writeEvents(db, 4, 1, true);
    await until(() => seen.length >= ids.length, 'every event delivered to the group that failed once');
    await relay.close();
    await bus.close();
    assert.deepEqual(seen.sort(), [...ids].sort());
    assert.deepEqual(ok.sort(), [...ids, ...ids].sort(), 'the healthy group saw the retried batch twice (at-least-once)');
    assert.equal(await unpublished(db), 0);
  });

  test('the relay is woken by the LIVE_CHANNEL note, well before its polling period', async () => {
    const bus = inProcessBus();
    const got: string[] = [];
    await bus.subscribe('g', async (events) => void got.push(...events.map((e) => e.id)));
    // An event written without a note: only the start-up round can deliver it (the poll is an hour away).
    const [quiet] = await writeEvents(db, 1, 1, false);
    const relay = await startRelay({ db }, bus, { intervalMs: 3_600_000 });
    await until(() => got.includes(quiet!), 'the start-up round');
    // Now only the note can explain a delivery: the test waits for it, with no clock involved.
    const [noted] = await writeEvents(db, 1, 1, true);
    await until(() => got.includes(noted!), 'the delivery the LIVE_CHANNEL note woke');
    await relay.close();
    assert.deepEqual(got, [quiet, noted]);
  });
});

describe('outbox relay on PostgreSQL, three processes at once', () => {
  let pg: TestPostgres;
  const dbs: Db[] = [];
  before(async () => {
    pg = await startPostgres();
    const url = await createDatabase(pg.url, 'relay');
    for (let i = 0; i < 3; i++) dbs.push(await openPostgres(url, { max: 3 }));
    await migrate(dbs[0]!);
  });
  after(async () => {
    for (const d of dbs) await d.close();
    await pg?.stop();
  });

  test('SKIP LOCKED shares the rows: every event published exactly once, none left', async () => {
    const ids = await writeEvents(dbs[0]!, 100, 12);
    const buses = dbs.map(() => recordingBus());
    // Each process holds its first batch's row locks until every process holds one (a barrier,
    // not a pause): the others must skip the locked rows and take their own, as they would
    // while a broker is slow to acknowledge.
    const holding = new Set<number>();
    const heldBus = (b: ReturnType<typeof recordingBus>, i: number): BusPort => ({
      ...b,
      publish: async (events) => {
        if (!holding.has(i)) {
          holding.add(i);
          await until(() => holding.size === dbs.length, 'every process holding a batch');
        }
        await b.publish(events);
      },
    });
    await Promise.all(dbs.map(async (d, i) => {
      const bus = heldBus(buses[i]!, i);
      while ((await relayBatch(d, bus, 50)) > 0);
    }));
    const sent = buses.flatMap((b) => b.batches.flat().map((e) => e.id));
    assert.equal(sent.length, ids.length, 'no event published twice');
    assert.deepEqual(new Set(sent), new Set(ids));
    assert.equal(buses.filter((b) => b.batches.length > 0).length, dbs.length, 'the work was shared by every process');
    assert.equal(await unpublished(dbs[0]!), 0);
  });

  test('startRelay in each process drains what the others leave, woken by notes from any process', async () => {
    const bus = inProcessBus();
    const seen = new Map<string, number>();
    await bus.subscribe('g', async (events) => void events.forEach((e) => seen.set(e.id, (seen.get(e.id) ?? 0) + 1)));
    const relays = await Promise.all(dbs.map((d) => startRelay({ db: d }, bus, { intervalMs: 60_000, batchSize: 20 })));
    const ids = await writeEvents(dbs[2]!, 30, 2, true);
    await until(() => seen.size >= ids.length, 'every event, from whichever process');
    await Promise.all(relays.map((r) => r.close()));
    assert.deepEqual(new Set(seen.keys()), new Set(ids));
    assert.ok([...seen.values()].every((n) => n === 1));
    assert.equal(await unpublished(dbs[0]!), 0);
  });
});
