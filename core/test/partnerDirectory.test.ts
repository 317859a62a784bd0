/**
 * Issue 14: GET /api/partners, the seat's and officer's pick list of the city's partner
 * organisations (to invite into a case's room, to book a mediation). Yancheng's seat and officer
 * see Yancheng's enabled organisations — names and kinds, never the people, user names, phones or
 * codes the admin's list has; not a disabled one, not another city's. Nobody signed in: 401; a
 * party, a partner or another staff role: 403; a city whose profile lists no partners: 409.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { forTenant } from '../src/db/tenantDb.ts';
import { partnersRepo } from '../src/persistence/partners.ts';

const PASSWORD = 'Yc-directory-4Tz8q';

describe('the partner pick list (GET /api/partners)', () => {
  let t: TestCore;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00');
    const admin = await t.staff('yancheng', 'admin');
    for (const [kind, name, code] of [['insurer', '人保财险盐城分公司', 'picc'], ['mediator', '亭湖区交通事故调解委员会', undefined], ['repair_shop', '亭湖汽修厂', undefined], ['hospital', '盐城市第一人民医院', undefined]] as const) {
      const r = await t.call('POST', '/api/admin/partners', { token: admin, body: { kind, name, ...(code ? { code } : {}) } });
      assert.equal(r.statusCode, 201, r.body);
      ids[kind] = r.json().id;
    }
    const person = await t.call('POST', `/api/admin/partners/${ids.insurer}/people`, { token: admin, body: { username: 'adjuster-directory', displayName: '王定损', phone: '13900001481', password: PASSWORD } });
    assert.equal(person.statusCode, 201, person.body);
    // The hospital is disabled (no route does it yet: the admin's table); another city's organisation sits in the same table.
    await forTenant(t.db, 'yancheng').query('UPDATE partner_orgs SET disabled_at = $2 WHERE tenant = $1 AND id = $3', ['yancheng', t.clock.now(), ids.hospital]);
    ids.harbin = randomUUID();
    await partnersRepo.insertOrg(forTenant(t.db, 'harbin'), { id: ids.harbin, kind: 'insurer', name: '哈尔滨某保险公司', code: null, created_at: t.clock.now() });
  });
  after(async () => t?.close());

  for (const username of ['seat-yunchetong', 'officer']) {
    test(`${username} of Yancheng sees Yancheng's enabled organisations: id, kind and name only`, async () => {
      const r = await t.call('GET', '/api/partners', { token: await t.staff('yancheng', username) });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), {
        orgs: [
          { id: ids.insurer, kind: 'insurer', name: '人保财险盐城分公司' },
          { id: ids.mediator, kind: 'mediator', name: '亭湖区交通事故调解委员会' },
          { id: ids.repair_shop, kind: 'repair_shop', name: '亭湖汽修厂' },
        ],
      });
      for (const secret of ['adjuster-directory', '王定损', '1481', 'picc', ids.hospital!, ids.harbin!]) assert.ok(!r.body.includes(secret), `the answer does not carry ${secret}`);
    });
  }

  test('nobody signed in: 401; a party, a partner, an admin or an analyst: 403', async () => {
    const anonymous = await t.call('GET', '/api/partners');
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error.code, 'KC_UNAUTHENTICATED');
    const partner = await t.call('POST', '/api/cities/yancheng/partner/session', { body: { username: 'adjuster-directory', password: PASSWORD } });
    assert.equal(partner.statusCode, 200, partner.body);
    const callers = {
      party: await t.party('yancheng', '13700001481'),
      partner: partner.json().token as string,
      admin: await t.staff('yancheng', 'admin'),
      analyst: await t.staff('yancheng', 'analyst'),
    };
    for (const [who, token] of Object.entries(callers)) {
      const r = await t.call('GET', '/api/partners', { token });
      assert.equal(r.statusCode, 403, `${who}: ${r.body}`);
      assert.equal(r.json().error.code, 'KC_FORBIDDEN', who);
    }
  });

  test('a city whose profile lists no partners: 409 KC_PARTNER_NOT_OFFERED, even with an organisation in the table', async () => {
    for (const username of ['seat-daoli', 'officer']) {
      const r = await t.call('GET', '/api/partners', { token: await t.staff('harbin', username) });
      assert.equal(r.statusCode, 409, r.body);
      assert.equal(r.json().error.code, 'KC_PARTNER_NOT_OFFERED');
      assert.ok(!r.body.includes(ids.harbin!));
    }
  });
});
