/**
 * Issue 11.3: an unexpected error's log line holds no personal data. The database refuses a
 * party's report (a constraint the test adds), so the driver's error carries the statement's
 * parameters — the phone, the whole report — and pg-style detail quoting the row; the server's
 * real logger (loggerOptions) must write none of it, only a masked, allow-listed description.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { loggerOptions } from '../src/privacy/logRedaction.ts';
import { loggedError } from '../src/privacy/errorLog.ts';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { APP_ROLE } from '../src/db/db.ts';

const PHONE = '13912345678';
const ADDRESS = '道里区中央大街与西十二道街交口';
const lines: string[] = [];
let t: TestCore;

before(async () => {
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  t = await startTestCore({ kind: 'pglite' }, undefined, { logger: { ...loggerOptions('info'), stream } });
});
after(() => t?.close());

test('a report the database refuses: 500 KC_INTERNAL, and the log line has neither the phone nor the report', async () => {
  const token = await t.party('harbin', PHONE);
  // Schema changes are the owner's: PGlite's one session leaves the app role for them and takes it back.
  await t.db.exec(`RESET ROLE; ALTER TABLE cases ADD CONSTRAINT kc_test_refuse_all CHECK (false) NOT VALID; SET ROLE ${APP_ROLE}`);
  try {
    const r = await t.core.app.inject({
      method: 'POST', url: '/api/cases', headers: { authorization: `Bearer ${token}` },
      payload: { clientKey: 'errlog-0001-abcdef', report: { location: { lng: 126.617, lat: 45.773 }, kind: 'motor_motor', address: ADDRESS } },
    });
    assert.equal(r.statusCode, 500, r.body);
    assert.equal(r.json().error.code, 'KC_INTERNAL');
  } finally {
    await t.db.exec(`RESET ROLE; ALTER TABLE cases DROP CONSTRAINT kc_test_refuse_all; SET ROLE ${APP_ROLE}`);
  }
  const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unhandled error');
  assert.ok(line, `an error line was logged:\n${lines.join('\n')}`);
  const all = lines.join('\n');
  for (const secret of [PHONE, ADDRESS, '126.617', 'errlog-0001']) assert.ok(!all.includes(secret), `"${secret}" is not in the log`);
  assert.equal(line.err.errorCode, '23514', 'the SQLSTATE is kept (check_violation)');
  assert.equal(line.err.constraint, 'kc_test_refuse_all', 'so is the name of what refused it');
  assert.match(line.err.message, /kc_test_refuse_all/);
  assert.ok(!('params' in line.err) && !('query' in line.err) && !('detail' in line.err) && !('where' in line.err));
});

test('loggedError: an allow-list; messages and stacks masked; causes followed', () => {
  const err = Object.assign(new Error(`invalid input syntax for type integer: "${PHONE}" (id 230102199001011234)`), {
    code: '22P02', params: [PHONE], query: 'SELECT $1::int', detail: `Failing row contains (${PHONE}).`, where: `JSON data: ${PHONE}`, table: 'cases',
    cause: new Error(`socket to ${PHONE} closed`),
  });
  const logged = loggedError(err);
  assert.deepEqual(Object.keys(logged).sort(), ['cause', 'errorCode', 'message', 'stack', 'table', 'type']);
  assert.equal(logged.message, 'invalid input syntax for type integer: "139****5678" (id 2301**********1234)');
  assert.ok(!JSON.stringify(logged).includes(PHONE) && !JSON.stringify(logged).includes('230102199001011234'));
  assert.equal(logged.cause?.message, 'socket to 139****5678 closed');
  assert.deepEqual(loggedError(loggedError(err)), logged, 'idempotent: the serializer may see an already described error');
  assert.equal(loggedError('plain 13912345678').message, 'plain 139****5678');
});
