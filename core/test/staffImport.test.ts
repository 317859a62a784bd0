/**
 * CSV import of staff (issue 17): UTF-8 with a byte-order mark, quoted fields, Chinese headers and
 * role words; every bad row reported with its line and nothing imported unless all are good; the
 * imported accounts sign in; audited; admin only, into the admin's own city.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { parseCsv } from '../src/admin/staffImport.ts';
import { forTenant } from '../src/db/tenantDb.ts';

describe('CSV parsing', () => {
  test('BOM, CRLF, quotes with commas, doubled quotes and line breaks; records keep their first line', () => {
    const rows = parseCsv('\uFEFFusername,displayName\r\nzhang.wei,"张伟, 道里"\r\n\r\nli,"李""娜""\n第二行"\nlast,x');
    assert.deepEqual(rows, [
      { line: 1, fields: ['username', 'displayName'] },
      { line: 2, fields: ['zhang.wei', '张伟, 道里'] },
      { line: 4, fields: ['li', '李"娜"\n第二行'] },
      { line: 6, fields: ['last', 'x'] },
    ]);
  });
});

describe('POST /api/admin/staff/import (PGlite)', () => {
  let t: TestCore;
  let admin: string;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
    admin = await t.staff('harbin', 'admin');
  });
  after(() => t?.close());
  const importCsv = (csv: string, dryRun = false, token = admin) => t.call('POST', '/api/admin/staff/import', { token, body: { csv, dryRun } });
  const usernames = async () => (await forTenant(t.db, 'harbin').query<{ username: string }>('SELECT username FROM staff WHERE tenant = $1', ['harbin'])).map((r) => r.username);

  test('every bad row is reported with its line; nothing is imported', async () => {
    const before_ = await usernames();
    const csv = [
      'username,displayName,roles,brigade,password',
      'good-one,王一,seat,daoli,',
      'Bad Name,王二,officer,,',            // line 3: user name
      'seat-daoli,王三,officer,,',          // line 4: exists
      'good-one,王四,analyst,,',            // line 5: duplicate of line 2
      'w5,,analyst,,',                      // line 6: no name
      'w6,王六,pilot,,',                    // line 7: unknown role
      'w7,王七,seat,,',                     // line 8: a seat without a brigade
      'w8,王八,seat,nowhere,',              // line 9: unknown brigade
      'w9,王九,admin,,password1234',        // line 10: weak password
      'w10,王十,admin',                     // line 11: too few fields
      'w11,王十一,platform_operator,,',     // line 12: not a city role (unknown word here)
    ].join('\n');
    const r = await importCsv(csv);
    assert.equal(r.statusCode, 422, r.body);
    const { code, details } = r.json().error;
    assert.equal(code, 'KC_STAFF_IMPORT_INVALID');
    assert.deepEqual([...new Set(details.rows.map((x: { line: number }) => x.line))], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(details.rows.find((x: { line: number }) => x.line === 5).field, 'username');
    assert.match(details.rows.find((x: { line: number }) => x.line === 5).problem, /line 2/);
    assert.deepEqual(await usernames(), before_, 'not even the good row was created');
  });

  test('a bad header is refused at line 1', async () => {
    const r = await importCsv('login,name\nx,y');
    assert.equal(r.json().error.code, 'KC_STAFF_IMPORT_INVALID');
    assert.ok(r.json().error.details.rows.every((x: { line: number }) => x.line === 1));
  });

  test('a good file (BOM, Chinese header and roles) is imported whole; generated passwords shown once; they sign in; audited', async () => {
    const csv = '\uFEFF用户名,姓名,角色,大队,密码\r\nzhao.seat,赵坐席,坐席,daoli,\r\nqian.lead,钱班长,班长;管理员,,Lantern-Ridge-4471\r\n"sun.off","孙民警, 一中队",民警,,\r\n';
    const dry = await importCsv(csv, true);
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual([dry.json().dryRun, dry.json().count], [true, 3]);
    assert.ok(dry.json().accounts.every((a: { password?: string }) => a.password === undefined), 'no password on a dry run');
    assert.ok(!(await usernames()).includes('zhao.seat'), 'a dry run creates nothing');

    const r = await importCsv(csv);
    assert.equal(r.statusCode, 200, r.body);
    const accounts = r.json().accounts as Array<{ line: number; username: string; displayName: string; roles: string[]; brigadeId: string | null; password?: string }>;
    assert.deepEqual(accounts.map((a) => [a.line, a.username, a.roles, a.brigadeId, a.password !== undefined]), [
      [2, 'zhao.seat', ['seat'], 'daoli', true], [3, 'qian.lead', ['supervisor', 'admin'], null, false], [4, 'sun.off', ['officer'], null, true],
    ]);
    assert.equal(accounts[2]!.displayName, '孙民警, 一中队');
    const login = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'zhao.seat', password: accounts[0]!.password } });
    assert.equal(login.statusCode, 200, login.body);
    const seat = await t.call('POST', '/api/seat/status', { token: login.json().token, body: { status: 'available' } });
    assert.equal(seat.statusCode, 200, 'an imported seat has its seat');
    assert.equal((await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'qian.lead', password: 'Lantern-Ridge-4471' } })).statusCode, 200);

    const audit = await forTenant(t.db, 'harbin').query<{ action: string; subject: string; details: Record<string, unknown> }>(
      "SELECT action, subject, details FROM audit_log WHERE tenant = $1 AND action IN ('staff.imported', 'staff.created') ORDER BY id", ['harbin']);
    assert.deepEqual(audit.filter((a) => a.action === 'staff.created').map((a) => a.subject).slice(-3), ['zhao.seat', 'qian.lead', 'sun.off']);
    assert.deepEqual(audit.find((a) => a.action === 'staff.imported')!.details.after, { usernames: ['zhao.seat', 'qian.lead', 'sun.off'] });
    assert.ok(!JSON.stringify(audit).includes('Lantern-Ridge-4471'), 'no password in the audit log');

    const again = await importCsv(csv);
    assert.equal(again.json().error.code, 'KC_STAFF_IMPORT_INVALID', 'a second import of the same file: every user name exists');
  });

  test('only an admin, into their own city', async () => {
    const csv = 'username,displayName,roles\nkm.analyst,昆明分析员,analyst\n';
    for (const u of ['officer', 'supervisor', 'seat-daoli']) assert.equal((await importCsv(csv, false, await t.staff('harbin', u))).statusCode, 403, u);
    assert.equal((await t.call('POST', '/api/admin/staff/import', { body: { csv } })).statusCode, 401);
    const r = await importCsv(csv, false, await t.staff('kunming', 'admin'));
    assert.equal(r.statusCode, 200, r.body);
    assert.ok(!(await usernames()).includes('km.analyst'), 'created in Kunming, not Harbin');
    assert.equal((await forTenant(t.db, 'kunming').query('SELECT 1 FROM staff WHERE tenant = $1 AND username = $2', ['kunming', 'km.analyst'])).length, 1);
  });
});
