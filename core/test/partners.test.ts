/**
 * Issue 14: Yancheng's partners and room invitations over HTTP on PGlite — the admin adds partner
 * organisations and people; a partner signs in (throttled like staff) and sees only the cases
 * its organisation is invited to; the seat invites the second party (SMS link) and partners; the
 * links are single use, expire and can be revoked; admit() lets the invited in as their role.
 * Refusals: a city whose profile lists no partners, a used / expired / revoked link, a case the
 * partner was not invited to (404), another organisation's link, a partner of another city.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { addDemoSeats } from '@kuaichu/core/harness';
import { PLACES } from '@kuaichu/testkit/places';
import { mediaEntry } from '../src/media/admission.ts';
import { loadSession, createPartnerSession } from '../src/auth/sessions.ts';
import { forTenant } from '../src/db/tenantDb.ts';
import { partnersRepo } from '../src/persistence/partners.ts';
import { randomUUID } from 'node:crypto';

let t: TestCore;
const TINGHU = { lng: PLACES.yancheng.亭湖区[0], lat: PLACES.yancheng.亭湖区[1] };
const PASSWORD = 'Yc-loss-adjust-7Kq2m';
let n = 0;

async function answeredCase(phone: string): Promise<{ id: string; party: string; seat: string }> {
  const party = await t.party('yancheng', phone);
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `partners-${++n}-abcdefgh`, report: { location: TINGHU, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  // A seat of its own for each case (the one before is still on its call).
  const username = `seat-partners-${n}`;
  await addDemoSeats(t.db, 'yancheng', [{ username, name: `接警员${n}`, brigadeId: 'yunchetong' }], DEMO_PASSWORD);
  const seat = await t.staff('yancheng', username);
  assert.equal((await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } })).statusCode, 200);
  await t.core.tick();
  const a = await t.call('POST', `/api/cases/${r.json().id}/answer`, { token: seat });
  assert.equal(a.statusCode, 200, a.body);
  return { id: r.json().id, party, seat };
}

async function newestSms(phone: string): Promise<string> {
  const r = await t.call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await t.staff('yancheng', 'admin') });
  return r.json().messages[0]?.text ?? '';
}
const tokenOf = (url: string) => /\/invite\/yancheng\/([A-Za-z0-9_-]+)$/.exec(url)![1]!;

async function addOrg(kind: string, name: string): Promise<string> {
  const r = await t.call('POST', '/api/admin/partners', { token: await t.staff('yancheng', 'admin'), body: { kind, name } });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id;
}
async function addPerson(orgId: string, username: string, phone?: string): Promise<void> {
  const r = await t.call('POST', `/api/admin/partners/${orgId}/people`, { token: await t.staff('yancheng', 'admin'), body: { username, displayName: `${username} 姓名`, password: PASSWORD, ...(phone ? { phone } : {}) } });
  assert.equal(r.statusCode, 201, r.body);
}
async function signIn(username: string, password = PASSWORD) {
  return t.call('POST', '/api/cities/yancheng/partner/session', { body: { username, password } });
}

describe('partners and room invitations (Yancheng)', () => {
  let insurerOrg: string, shopOrg: string, mediatorOrg: string;
  let adjuster: string, shop: string;

  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00');
  });
  after(async () => t?.close());

  test('a city whose profile lists no partners has none: 409 KC_PARTNER_NOT_OFFERED', async () => {
    const r = await t.call('GET', '/api/admin/partners', { token: await t.staff('harbin', 'admin') });
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(r.json().error.code, 'KC_PARTNER_NOT_OFFERED');
    assert.deepEqual(r.json().error.details.offered, []);
    const login = await t.call('POST', '/api/cities/harbin/partner/session', { body: { username: 'anyone', password: PASSWORD } });
    assert.equal(login.json().error.code, 'KC_PARTNER_NOT_OFFERED');
  });

  test('the admin adds organisations and people; others may not; names are unique', async () => {
    insurerOrg = await addOrg('insurer', '人保财险盐城分公司');
    shopOrg = await addOrg('repair_shop', '亭湖汽修厂');
    mediatorOrg = await addOrg('mediator', '盐城交通事故调解委员会');
    await addPerson(insurerOrg, 'adjuster-wang', '13900001401');
    await addPerson(shopOrg, 'shop-li');
    await addPerson(mediatorOrg, 'mediator-zhou');
    const dup = await t.call('POST', '/api/admin/partners', { token: await t.staff('yancheng', 'admin'), body: { kind: 'hospital', name: '亭湖汽修厂' } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'KC_PARTNER_EXISTS');
    const taken = await t.call('POST', `/api/admin/partners/${shopOrg}/people`, { token: await t.staff('yancheng', 'admin'), body: { username: 'officer', displayName: 'x', password: PASSWORD } });
    assert.equal(taken.json().error.code, 'KC_PARTNER_EXISTS', 'a staff user name is taken too');
    const weak = await t.call('POST', `/api/admin/partners/${shopOrg}/people`, { token: await t.staff('yancheng', 'admin'), body: { username: 'shop-weak', displayName: 'x', password: 'aaaaaaaaaaaa' } });
    assert.equal(weak.json().error.code, 'KC_WEAK_PASSWORD');
    const bySeat = await t.call('POST', '/api/admin/partners', { token: await t.staff('yancheng', 'seat-yunchetong'), body: { kind: 'tow', name: '某清障公司' } });
    assert.equal(bySeat.statusCode, 403);
    const list = await t.call('GET', '/api/admin/partners', { token: await t.staff('yancheng', 'admin') });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().offered, ['insurer', 'hospital', 'repair_shop', 'tow', 'mediator']);
    const ins = list.json().orgs.find((o: { id: string }) => o.id === insurerOrg);
    assert.equal(ins.people[0].username, 'adjuster-wang');
    assert.equal(ins.people[0].phone, '139****1401', 'phones are masked');
  });

  test('a partner signs in with a password; wrong ones are throttled like staff', async () => {
    const ok = await signIn('adjuster-wang');
    assert.equal(ok.statusCode, 200, ok.body);
    adjuster = ok.json().token;
    shop = (await signIn('shop-li')).json().token;
    const me = await t.call('GET', '/api/me', { token: adjuster });
    assert.equal(me.json().partner.orgKind, 'insurer');
    assert.equal(me.json().partner.orgId, insurerOrg);
    assert.equal(me.json().staff, undefined);
    for (let i = 0; i < 4; i++) assert.equal((await signIn('mediator-zhou', 'wrong-password-xyz')).json().error.code, 'KC_BAD_CREDENTIALS');
    const locked = await signIn('mediator-zhou', 'wrong-password-xyz');
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().error.code, 'KC_ACCOUNT_LOCKED');
    assert.equal((await signIn('mediator-zhou')).json().error.code, 'KC_ACCOUNT_LOCKED', 'even the right password while locked');
    assert.equal((await signIn('nobody-here')).json().error.code, 'KC_BAD_CREDENTIALS');
    // A partner is no staff member: staff routes refuse it.
    assert.equal((await t.call('GET', '/api/officer/cases', { token: adjuster })).statusCode, 401);
  });

  test('the seat invites an insurer: the console lists only that case; any other is 404; the link is single use', async () => {
    const { id, seat } = await answeredCase('13700001401');
    const other = await answeredCase('13700001402');
    const empty = await t.call('GET', '/api/partner/cases', { token: adjuster });
    assert.equal(empty.statusCode, 200);
    assert.deepEqual(empty.json().cases, []);
    const wrongKind = await t.call('POST', `/api/cases/${id}/invitations`, { token: seat, body: { role: 'mediator', orgId: insurerOrg } });
    assert.equal(wrongKind.statusCode, 400);
    const inv = await t.call('POST', `/api/cases/${id}/invitations`, { token: seat, body: { role: 'insurer', orgId: insurerOrg } });
    assert.equal(inv.statusCode, 201, inv.body);
    assert.equal(inv.json().status, 'pending');
    assert.equal(inv.json().orgName, '人保财险盐城分公司');
    const token = tokenOf(inv.json().url);
    assert.ok((await newestSms('13900001401')).includes(inv.json().url), 'the adjuster got the link by SMS');

    const list = await t.call('GET', '/api/partner/cases', { token: adjuster });
    assert.deepEqual(list.json().cases.map((c: { id: string }) => c.id), [id]);
    assert.equal((await t.call('GET', `/api/partner/cases/${id}`, { token: adjuster })).statusCode, 200);
    const notInvited = await t.call('GET', `/api/partner/cases/${other.id}`, { token: adjuster });
    assert.equal(notInvited.statusCode, 404);
    assert.equal(notInvited.json().error.code, 'KC_CASE_NOT_FOUND');
    assert.equal((await t.call('GET', `/api/partner/cases/${id}`, { token: shop })).statusCode, 404, 'another organisation');
    assert.equal((await t.call('GET', `/api/cases/${id}`, { token: adjuster })).statusCode, 404, 'the case record is for parties and staff: a partner reads its console');
    assert.equal((await t.call('GET', '/api/cases', { token: adjuster })).statusCode, 403, 'nor the list of recent cases');

    // Not in the room before accepting; another organisation may not take the link.
    const principal = (tok: string) => loadSession(t.db, tok, t.clock.now());
    assert.equal((await mediaEntry(t.core.ctx, await principal(adjuster), id)).admitted, false);
    const theirs = await t.call('POST', '/api/partner/invitations/accept', { token: shop, body: { token } });
    assert.equal(theirs.statusCode, 403);
    assert.equal(theirs.json().error.code, 'KC_INVITATION_NOT_YOURS');
    const ok = await t.call('POST', '/api/partner/invitations/accept', { token: adjuster, body: { token } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { caseId: id, role: 'insurer' });
    const again = await t.call('POST', '/api/partner/invitations/accept', { token: adjuster, body: { token } });
    assert.equal(again.statusCode, 410);
    assert.equal(again.json().error.code, 'KC_INVITATION_USED');
    const entry = await mediaEntry(t.core.ctx, await principal(adjuster), id);
    assert.ok(entry.admitted);
    assert.equal(entry.participant.role, 'insurer');
    assert.match(entry.participant.displayName, /人保财险盐城分公司/);
    assert.equal((await mediaEntry(t.core.ctx, await principal(adjuster), other.id)).admitted, false);

    // Revoked: no longer admitted, no longer listed; revoking twice is refused.
    const rev = await t.call('POST', `/api/cases/${id}/invitations/${inv.json().id}/revoke`, { token: seat, body: {} });
    assert.equal(rev.statusCode, 200, rev.body);
    assert.equal(rev.json().status, 'revoked');
    assert.equal((await mediaEntry(t.core.ctx, await principal(adjuster), id)).admitted, false);
    assert.equal((await t.call('GET', `/api/partner/cases/${id}`, { token: adjuster })).statusCode, 404);
    const twice = await t.call('POST', `/api/cases/${id}/invitations/${inv.json().id}/revoke`, { token: seat, body: {} });
    assert.equal(twice.json().error.code, 'KC_INVITATION_REVOKED');
  });

  test('expired and revoked links are refused; only the seat on the case or an officer invites', async () => {
    const { id, seat } = await answeredCase('13700001403');
    const short = await t.call('POST', `/api/cases/${id}/invitations`, { token: seat, body: { role: 'repair_shop', orgId: shopOrg, ttlSeconds: 300 } });
    assert.equal(short.statusCode, 201, short.body);
    t.clock.advance(1000); // the list is in creation order; two invitations in one instant would tie
    const pulled = await t.call('POST', `/api/cases/${id}/invitations`, { token: seat, body: { role: 'repair_shop', orgId: shopOrg } });
    await t.call('POST', `/api/cases/${id}/invitations/${pulled.json().id}/revoke`, { token: seat, body: {} });
    t.clock.advance(300_000);
    const expired = await t.call('POST', '/api/partner/invitations/accept', { token: shop, body: { token: tokenOf(short.json().url) } });
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json().error.code, 'KC_INVITATION_EXPIRED');
    const revoked = await t.call('POST', '/api/partner/invitations/accept', { token: shop, body: { token: tokenOf(pulled.json().url) } });
    assert.equal(revoked.json().error.code, 'KC_INVITATION_REVOKED');
    const unknown = await t.call('POST', '/api/partner/invitations/accept', { token: shop, body: { token: 'x'.repeat(32) } });
    assert.equal(unknown.json().error.code, 'KC_INVITATION_INVALID');
    const listed = await t.call('GET', `/api/cases/${id}/invitations`, { token: seat });
    assert.deepEqual(listed.json().invitations.map((i: { status: string }) => i.status), ['expired', 'revoked']);
    // The officer may invite; an analyst may not; a party may not.
    const byOfficer = await t.call('POST', `/api/cases/${id}/invitations`, { token: await t.staff('yancheng', 'officer'), body: { role: 'mediator', orgId: mediatorOrg } });
    assert.equal(byOfficer.statusCode, 201, byOfficer.body);
    assert.equal((await t.call('POST', `/api/cases/${id}/invitations`, { token: await t.staff('yancheng', 'analyst'), body: { role: 'mediator', orgId: mediatorOrg } })).statusCode, 403);
    assert.equal((await t.call('POST', `/api/cases/${id}/invitations`, { token: await t.party('yancheng', '13700001403'), body: { role: 'mediator', orgId: mediatorOrg } })).statusCode, 401);
  });

  test('the second party joins by SMS link from their own phone, once', async () => {
    const { id, seat } = await answeredCase('13700001404');
    const own = await t.call('POST', `/api/cases/${id}/invitations`, { token: seat, body: { role: 'party_b', phone: '13700001404' } });
    assert.equal(own.statusCode, 400, 'not party A’s own phone');
    const inv = await t.call('POST', `/api/cases/${id}/invitations`, { token: seat, body: { role: 'party_b', phone: '13800001405' } });
    assert.equal(inv.statusCode, 201, inv.body);
    assert.equal(inv.json().phone, '138****1405');
    const sms = await newestSms('13800001405');
    const link = /(https:\/\/\S+\/invite\/yancheng\/[A-Za-z0-9_-]+)/.exec(sms)?.[1];
    assert.equal(link, inv.json().url);
    const joined = await t.call('POST', '/api/cities/yancheng/invitations/accept', { body: { token: tokenOf(link!) } });
    assert.equal(joined.statusCode, 200, joined.body);
    assert.equal(joined.json().role, 'party_b');
    const b = joined.json().session.token;
    assert.equal((await t.call('GET', `/api/cases/${id}`, { token: b })).statusCode, 200, 'party B sees the case');
    const entry = await mediaEntry(t.core.ctx, await loadSession(t.db, b, t.clock.now()), id);
    assert.ok(entry.admitted);
    assert.equal(entry.participant.role, 'party_b');
    const again = await t.call('POST', '/api/cities/yancheng/invitations/accept', { body: { token: tokenOf(link!) } });
    assert.equal(again.json().error.code, 'KC_INVITATION_USED');
    const otherCity = await t.call('POST', '/api/cities/harbin/invitations/accept', { body: { token: tokenOf(link!) } });
    assert.equal(otherCity.json().error.code, 'KC_INVITATION_INVALID');
  });

  test('a partner of another city sees no Yancheng case and cannot take its links', async () => {
    const { id, seat } = await answeredCase('13700001406');
    const inv = await t.call('POST', `/api/cases/${id}/invitations`, { token: seat, body: { role: 'insurer', orgId: insurerOrg } });
    // Harbin lists no partners, so none can be made over the API: one written straight to its rows.
    const harbin = forTenant(t.db, 'harbin');
    const org = randomUUID(), person = randomUUID();
    await partnersRepo.insertOrg(harbin, { id: org, kind: 'insurer', name: '哈尔滨某保险', code: null, created_at: t.clock.now() });
    await partnersRepo.insertPerson(harbin, { id: person, org_id: org, username: 'hrb-adjuster', display_name: '哈', phone: null, password_hash: 'x', created_at: t.clock.now() });
    const s = await createPartnerSession(t.db, t.clock.now(), 'harbin', person);
    assert.deepEqual((await t.call('GET', '/api/partner/cases', { token: s.token })).json().cases, []);
    assert.equal((await t.call('GET', `/api/partner/cases/${id}`, { token: s.token })).statusCode, 404);
    const take = await t.call('POST', '/api/partner/invitations/accept', { token: s.token, body: { token: tokenOf(inv.json().url) } });
    assert.equal(take.statusCode, 404);
    assert.equal(take.json().error.code, 'KC_INVITATION_INVALID');
    assert.equal((await mediaEntry(t.core.ctx, await loadSession(t.db, s.token, t.clock.now()), id)).admitted, false);
  });
});
