/**
 * The response schemas against real answers. The test kit's core (@kuaichu/testkit/core)
 * checks every response that has a schema (nothing dropped by the serializer, the schema holds); the flow tests reach most
 * routes, this file the rest: the cities and every city's public and admin profile, the
 * pre-check, /api/me for each kind of session, a staff view with files and a broken chain,
 * the OpenAPI document. And the inlining that lets fastify serialize with these schemas.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { solidPng } from '@kuaichu/plugin-recognition-dev';
import { issueChannelToken } from '@kuaichu/plugin-channel-wechat';
import { inlineSchema, readSchemaFiles } from '../src/schemas.ts';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { firstDifference } from '@kuaichu/testkit/responseSchemas';
import { forTenant } from '../src/db/tenantDb.ts';

const DAOLI = { lng: 126.617, lat: 45.773 };

/** Every `$ref` in a schema (none may be left in an inlined one). */
function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

test('inlineSchema resolves refs across folders, as ajv and the type generator do, and leaves none', () => {
  const view = inlineSchema('http/case-view.schema.json');
  assert.deepEqual(refsIn(view), []);
  assert.equal(view.title, 'CaseView');
  assert.equal('$id' in view || 'definitions' in view, false);
  // ../decision.schema.json from http/, and decision's own city-profile.schema.json#/definitions/LocalText from the root.
  const decision = ((view.allOf as Array<{ properties?: Record<string, { title?: string; properties?: Record<string, unknown> }> }>)[1]!.properties!).decision!;
  assert.equal(decision.title, 'Decision');
  assert.deepEqual(inlineSchema('city-profile.schema.json#/definitions/LocalText').required, ['zh', 'en']);
  assert.throws(() => inlineSchema('http/nothing.schema.json'), /no schema http\/nothing\.schema\.json/);
  assert.throws(() => inlineSchema('http/case-view.schema.json#/definitions/Nothing'), /does not exist/);
  for (const id of readSchemaFiles().keys()) if (id.startsWith('http/')) assert.deepEqual(refsIn(inlineSchema(id)), [], id);
});

test('firstDifference names what the serializer dropped', () => {
  assert.equal(firstDifference({ a: 1, b: [{ c: null }] }, { a: 1, b: [{ c: null }] }), null);
  assert.match(firstDifference({ a: 1, b: [{ c: 2, d: 3 }] }, { a: 1, b: [{ c: 2 }] })!, /\$\.b\.0\.d is dropped/);
  assert.match(firstDifference({ a: null }, { a: '' })!, /\$\.a: the view returns null, the serializer writes ""/);
});

describe('response schemas on PGlite', () => {
  let t: TestCore;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
  });
  after(async () => {
    await t?.close();
  });

  test('cities, every public profile, and every admin profile with its integrations’ options', async () => {
    const cities = await t.call('GET', '/api/cities');
    assert.equal(cities.statusCode, 200, cities.body);
    const list = cities.json() as Array<{ tenant: string; status: string }>;
    const tenants = list.map((c) => c.tenant);
    assert.ok(tenants.length >= 36, `${tenants.length} cities`);
    // The live cities have demo admins; the drafts (init-city, issue 17) have none yet: public profile only.
    const live = list.filter((c) => c.status === 'active').map((c) => c.tenant);
    assert.deepEqual(live.sort(), ['harbin', 'kunming', 'nantong', 'yancheng']);
    for (const tenant of tenants) {
      const pub = await t.call('GET', `/api/cities/${tenant}`);
      assert.equal(pub.statusCode, 200, pub.body);
      assert.equal(pub.json().tenant, tenant);
      assert.equal(pub.json().platform === null, tenant !== 'yancheng', 'only Yancheng has a platform (云车通)');
      if (!live.includes(tenant)) continue;
      const admin = await t.call('GET', '/api/admin/profile', { token: await t.staff(tenant, 'admin') });
      assert.equal(admin.statusCode, 200, admin.body);
      assert.equal(admin.json().profile.tenant, tenant);
    }
    const harbin = (await t.call('GET', '/api/admin/profile', { token: await t.staff('harbin', 'admin') })).json();
    const sms = harbin.profile.integrations.find((i: { plugin: string }) => i.plugin === 'sms-dev');
    assert.equal(sms.options.signature, '【哈尔滨交警】', 'free-form plugin options survive serialization');
  });

  test("a city's public profile gives the server's clock, the answer target and a point inside each district it names", async () => {
    t.clock.set('2026-06-01T10:00:00+08:00');
    const pub = (await t.call('GET', '/api/cities/harbin')).json();
    assert.equal(pub.now, '2026-06-01T02:00:00.000Z', 'the clock the rules use, not the phone’s');
    assert.equal(pub.answerWithinSeconds, 30);
    assert.deepEqual(pub.districtPoints.map((p: { name: string }) => p.name), [...pub.districts, ...pub.excluded]);
    for (const p of pub.districtPoints as Array<{ name: string; lng: number; lat: number }>) {
      const d = (await t.call('POST', '/api/cities/harbin/check', { body: { location: { lng: p.lng, lat: p.lat, source: 'manual' }, kind: 'motor_motor' } })).json();
      assert.equal(d.district, p.name, `the point given for ${p.name} is located in it`);
      assert.equal(d.eligible, pub.districts.includes(p.name), `${p.name}: served districts are eligible at 10:00, excluded ones refused`);
    }
  });

  test('the pre-check answers a Decision, eligible or refused', async () => {
    const ok = await t.call('POST', '/api/cities/harbin/check', { body: { location: DAOLI, kind: 'motor_motor' } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual([ok.json().eligible, ok.json().brigade.id, ok.json().fallback], [true, 'daoli', null]);
    const refused = await t.call('POST', '/api/cities/harbin/check', { body: { location: DAOLI, kind: 'motor_motor', injury: 'serious' } });
    assert.equal(refused.json().eligible, false);
    assert.equal(refused.json().fallback.phones[0].number, '122');
  });

  test('/api/me and the session answers for staff, an SMS party and a channel party', async () => {
    const login = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'seat-daoli', password: 'demo-password-for-tests' } });
    assert.equal(login.statusCode, 200, login.body);
    assert.deepEqual(login.json().staff.roles, ['seat']);
    const staffMe = (await t.call('GET', '/api/me', { token: login.json().token })).json();
    assert.deepEqual([staffMe.tenant, staffMe.staff.username, staffMe.staff.brigadeId, staffMe.party], ['harbin', 'seat-daoli', 'daoli', undefined]);

    const party = await t.party('harbin', '13500000001');
    const partyMe = (await t.call('GET', '/api/me', { token: party })).json();
    assert.deepEqual(partyMe.party, { phone: '13500000001', channel: null });

    const token = issueChannelToken({ tenant: 'nantong', phone: '13500000002', sub: 'openid-responses' }, t.env.KUAICHU_NANTONG_WECHAT_SECRET!, { now: t.clock.now() });
    const s = await t.call('POST', '/api/cities/nantong/party/channel-session', { body: { token } });
    assert.equal(s.json().channel, 'wechat_miniprogram');
    const channelMe = (await t.call('GET', '/api/me', { token: s.json().token })).json();
    assert.deepEqual(channelMe.party, { phone: '13500000002', channel: 'wechat_miniprogram' });
    assert.deepEqual((await t.call('POST', '/api/auth/logout', { token: s.json().token })).json(), { ok: true });
  });

  test('a staff view: files and typed items, no determination yet, and a broken chain', async () => {
    const party = await t.party('harbin', '13500000011');
    const seat = await t.staff('harbin', 'seat-daoli');
    await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } });
    const id = (await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'responses-case-1', report: { location: DAOLI, kind: 'motor_motor' } } })).json().id as string;
    await t.core.tick();
    assert.equal((await t.call('POST', `/api/cases/${id}/answer`, { token: seat })).statusCode, 200);
    const text = await t.call('POST', `/api/cases/${id}/evidence`, { token: seat, body: { item: 'statement', data: { text: '后车追尾。' } } });
    assert.equal(text.statusCode, 201, text.body);
    const form = multipart({ item: 'parties_photo' }, { name: 'a.png', bytes: solidPng(8, 8, [10, 20, 30]), type: 'image/png' });
    const photo = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
    assert.equal(photo.statusCode, 201, photo.body);

    const view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
    assert.equal(view.determination, null);
    assert.deepEqual(view.evidence.map((e: { file: unknown }) => e.file === null), [true, false]);
    assert.equal(view.evidence[1].file.contentType, 'image/png');
    assert.deepEqual(view.chain, { ok: true, head: photo.json().hash, length: 2 });
    assert.equal(view.checklist.complete, false);
    const partyView = (await t.call('GET', `/api/cases/${id}`, { token: party })).json();
    assert.deepEqual(['partyPhone', 'report', 'seatId', 'checklist', 'evidence', 'chain'].filter((k) => k in partyView), []);

    await forTenant(t.db, 'harbin').query("UPDATE evidence SET hash = repeat('0', 64) WHERE tenant = 'harbin' AND case_id = $1 AND seq = 1", [id]);
    const broken = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
    assert.deepEqual(broken.chain, { ok: false, brokenAt: 1 });
    await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
  });

  test('the SMS outbox keeps the development driver’s fields, numbers masked', async () => {
    await t.call('POST', '/api/cities/harbin/party/code', { body: { phone: '13500000021' } });
    const box = (await t.call('GET', '/api/admin/sms-outbox?to=13500000021', { token: await t.staff('harbin', 'admin') })).json();
    assert.equal(box.available, true);
    const [m] = box.messages;
    assert.deepEqual([m.to, m.kind, typeof m.body, typeof m.segments], ['135****0021', 'otp', 'string', 'number']);
  });

  test('the OpenAPI document is built, with the response schemas', async () => {
    const doc = await t.call('GET', '/docs/json');
    assert.equal(doc.statusCode, 200);
    const get = doc.json().paths['/api/cases/{id}'].get;
    assert.equal(get.responses['200'].content['application/json'].schema.title, 'CaseView');
  });
});
