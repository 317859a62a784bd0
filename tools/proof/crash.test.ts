/**
 * The short version of `npm run proof:crash` (issue 16): the real server as a child process,
 * killed with SIGKILL at seeded random moments of the whole flow while a client drives cases
 * and retries as the apps do — on PGlite, and on PostgreSQL with PostgreSQL itself restarted
 * half way. Afterwards: no case lost, duplicated or half-written, every evidence chain intact,
 * every event relayed and counted once in the analytics store, no call left where it cannot go on.
 *
 * The Kafka broker and ClickHouse outages (`--faults`: Kafka mock cluster + clickhouse-server,
 * each down once mid-run) are in the full proof only (`npm run proof:crash-faults`): two outages
 * of at least 3 s, their drains (~9–11 s each) and the server's consumer-group joins after each
 * kill cost well over the 30 s this file may grow by (2 kills on PGlite with faults: 119 s alone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres } from '@kuaichu/testkit/postgres';
import { crashProof, type CrashFigures } from './crash.ts';

function assertConsistent(f: CrashFigures, kills: number): void {
  assert.equal(f.kills, kills, 'every kill happened');
  assert.ok(f.cases >= 2 && f.served >= 2 && f.claimed >= 2, `cases went the whole way (${f.cases} cases, ${f.served} served, ${f.claimed} claimed)`);
  assert.ok(f.events > 0 && f.analyticsRows >= f.events, `events reached analytics (${f.events} events, ${f.analyticsRows} rows)`);
  assert.deepEqual(f.lost, [], 'cases lost');
  assert.deepEqual(f.duplicates, [], 'cases duplicated');
  assert.deepEqual(f.halfWritten, [], 'half-written cases');
  assert.deepEqual(f.brokenChains, [], 'broken evidence chains');
  assert.equal(f.unpublished, 0, 'events never relayed');
  assert.deepEqual(f.eventsLost, [], 'events lost in analytics');
  assert.deepEqual(f.eventsCountedTwice, [], 'events counted twice in analytics');
  assert.deepEqual(f.unresumable, [], 'calls left where they cannot go on');
}

test('kill -9 mid-flow on PGlite: nothing lost, nothing half-written, events once', { timeout: 400_000 }, async (t) => {
  const f = await crashProof({ kills: 3, seed: 16 });
  t.diagnostic(`${f.kills} kills ${JSON.stringify(f.killedDuring)}, ${f.cases} cases, ${f.retries} retries, ${f.events} events`);
  assertConsistent(f, 3);
});

test('kill -9 mid-flow on PostgreSQL, PostgreSQL restarted half way: nothing lost, nothing half-written, events once', { timeout: 400_000 }, async (t) => {
  // Durable commits: an acknowledged write must survive PostgreSQL's immediate stop (testkit's default loses the last ones).
  const pg = await startPostgres({ durable: true });
  try {
    const f = await crashProof({ kills: 2, seed: 17, databaseUrl: pg.url, restartDatabase: () => pg.restart() });
    t.diagnostic(`${f.kills} kills ${JSON.stringify(f.killedDuring)}, ${f.databaseRestarts} PostgreSQL restart, ${f.cases} cases, ${f.retries} retries, ${f.events} events`);
    assert.equal(f.databaseRestarts, 1, 'PostgreSQL was restarted');
    assertConsistent(f, 2);
  } finally {
    await pg.stop();
  }
});
