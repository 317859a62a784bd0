/**
 * PostgreSQL restarted under a running process (issue 16, found by the crash proof): the pool's
 * idle connections and the LISTEN connection are ended by the server. Unheard, their 'error'
 * events ended the whole process; now the pool opens new connections and the listener opens
 * its connection again and repeats LISTEN, so queries and notes work after the restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres } from '../src/db/postgres.ts';
import type { Db } from '../src/db/db.ts';
import { startPostgres, type TestPostgres } from '@kuaichu/testkit/postgres';
import { signal, until } from '@kuaichu/testkit/until';

let pg: TestPostgres;
let db: Db;
before(async () => {
  pg = await startPostgres();
  db = await openPostgres(pg.url);
});
after(async () => {
  await db?.close();
  await pg?.stop();
});

test('after PostgreSQL restarts (immediate stop), the process lives, queries work and LISTEN hears notes again', async () => {
  const heard: string[] = [];
  const unlisten = await db.listen('kc_restart_probe', (payload) => heard.push(payload));
  await db.query("SELECT pg_notify('kc_restart_probe', 'before')");
  await until(() => heard.includes('before'), 'the note before the restart');
  // Idle connections in the pool and the listening one are cut by the stop.
  await db.query('SELECT 1');
  await pg.restart();
  // The first query after the restart may meet a connection the server cut; the next one is served.
  const rows = await until(async () => db.query<{ one: number }>('SELECT 1 AS one').catch(() => null), 'a query served after the restart');
  assert.equal(rows[0]!.one, 1);
  // Notes sent while the listener reconnects are missed by design: send until one is heard.
  let n = 0;
  await until(async () => {
    await db.query('SELECT pg_notify($1, $2)', ['kc_restart_probe', `after-${++n}`]).catch(() => {});
    return heard.some((h) => h.startsWith('after-'));
  }, 'a note heard after the restart');
  await unlisten();
  assert.ok(process.exitCode === undefined || process.exitCode === 0, 'the process did not fail');
});

test('a transaction waiting between its statements when PostgreSQL restarts fails, and the process lives (crash proof --faults)', async () => {
  // The relay's transaction holds its rows while the bus (Kafka) takes the batch: its connection is idle then.
  const opened = signal();
  const goOn = signal();
  const tx = db.tx(async (q) => {
    await q.query('SELECT 1');
    opened.resolve();
    await goOn.promise;
    return q.query('SELECT 2');
  });
  await opened.promise;
  await pg.restart();
  // By the time a new connection is served, the cut of the one in use has been seen (its 'error').
  await until(async () => db.query('SELECT 1').catch(() => null), 'a query served after the restart');
  goOn.resolve();
  await assert.rejects(tx, 'the transaction on the cut connection fails');
  // The broken connection went back to the pool as broken: transactions are served again.
  const rows = await until(async () => db.tx((q) => q.query<{ two: number }>('SELECT 2 AS two')).catch(() => null), 'a transaction served after the restart');
  assert.equal(rows[0]!.two, 2);
});
