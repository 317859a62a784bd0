/**
 * Issue 16: the hand-written escaping (src/sql.ts: ClickHouse 18.16 has no server-side
 * parameters) against injection, as a property on both engines — chdb and Debian's 18.16
 * server. For generated text heavy in quotes, backslashes, comment and statement markers and
 * escape look-alikes: a quoted value comes back as exactly itself, a filter built from it
 * matches only the row that has it (never widens), a list matches only its members, and
 * TabSeparated rows insert and read back unchanged. A NUL byte or a non-finite number is refused.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { num, str, strList, tsvRows } from '../src/sql.ts';
import { openChdb, openClickHouseServer, type ClickHouseDriver } from '../src/index.ts';
import { startClickHouse } from './support/clickhouseServer.ts';

/** Text built from pieces that break naive quoting, and ordinary text (any Unicode, no lone surrogates). */
const hostileText = fc.array(fc.oneof(
  fc.constantFrom("'", "\\", "\\'", "''", "\\\\'", '"', '`', '\n', '\r', '\t', '--', '#', '/*', '*/', ';', '\\x27', '\\0', '\\n', '\\N', '\u2019', '\u02bc', '\uff07', '?', '{x}', '%s', '\x1a', '\x7f', 'FORMAT', ' OR 1=1', "') OR ('1'='1", "' UNION ALL SELECT name FROM kc_probe --"),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
), { maxLength: 8 }).map((parts) => parts.join(''));

const ROWS = ['harbin', 'kunming', "o'brien", 'back\\slash', '道里区'];

async function checkDriver(d: ClickHouseDriver, runs: number): Promise<number> {
  await d.exec('DROP TABLE IF EXISTS kc_probe');
  await d.exec('CREATE TABLE kc_probe (name String) ENGINE = Memory');
  await d.insert('kc_probe', ROWS.map((name) => ({ name })));
  let queries = 0;
  await fc.assert(fc.asyncProperty(hostileText, async (v) => {
    const { data } = await d.select<{ v: string }>(`SELECT ${str(v)} AS v`);
    queries++;
    assert.deepEqual(data, [{ v }], 'a quoted value is exactly itself, one row, one column');
    const { data: hits } = await d.select<{ name: string }>(`SELECT name FROM kc_probe WHERE name = ${str(v)}`);
    queries++;
    assert.deepEqual(hits.map((h) => h.name), ROWS.filter((r) => r === v), 'a filter never widens');
  }), { numRuns: runs, seed: 1616 });
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(hostileText, fc.constantFrom(...ROWS)), { minLength: 1, maxLength: 5 }), async (vs) => {
    const { data } = await d.select<{ name: string }>(`SELECT name FROM kc_probe WHERE name IN ${strList(vs)} ORDER BY name`);
    queries++;
    assert.deepEqual(data.map((h) => h.name), ROWS.filter((r) => vs.includes(r)).sort(), 'a list matches only its members');
  }), { numRuns: Math.ceil(runs / 4), seed: 1617 });
  // TabSeparated bulk rows (chdb's insert path; the server's driver is checked the same way).
  const values = fc.sample(hostileText, { numRuns: 60, seed: 1618 });
  await d.exec('DROP TABLE IF EXISTS kc_probe_tsv');
  await d.exec('CREATE TABLE kc_probe_tsv (k UInt32, name String) ENGINE = Memory');
  await d.insert('kc_probe_tsv', values.map((name, k) => ({ k, name })));
  const { data } = await d.select<{ k: number; name: string }>('SELECT k, name FROM kc_probe_tsv ORDER BY k');
  queries++;
  assert.deepEqual(data.map((r) => r.name), values, 'TabSeparated rows read back unchanged');
  return queries;
}

test('refused outright: a NUL byte, a non-finite number, an empty list', () => {
  assert.throws(() => str('a\u0000b'), RangeError);
  assert.throws(() => num(Number.NaN), RangeError);
  assert.throws(() => num(Number.POSITIVE_INFINITY), RangeError);
  assert.throws(() => strList([]), RangeError);
  assert.equal(tsvRows([{ a: 'x\ty\\z\n' }], ['a']), 'x\\ty\\\\z\\n\n');
});

describe('quoting against injection, on both engines', () => {
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  test('chdb: quoted values are themselves; filters and lists never widen', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-chdb-esc-'));
    const d = openChdb(dir);
    stops.push(async () => (await d.close(), rmSync(dir, { recursive: true, force: true })));
    t.diagnostic(`${await checkDriver(d, 200)} queries`);
  });

  test('clickhouse-server 18.16: the same', async (t) => {
    const server = await startClickHouse();
    const d = await openClickHouseServer(server.url);
    stops.push(async () => (await d.close(), await server.stop()));
    t.diagnostic(`${await checkDriver(d, 200)} queries`);
  });
});
