/**
 * A draft city (`status: draft`, as `kuaichu init-city` writes it) is served and listed as not
 * yet live, but refuses the pre-check, sign-in codes and reports with KC_CITY_NOT_LIVE, is never
 * offered as the covering city, gets no demo logins and is left out of its province's view.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { reportCase } from '../src/cases/intake.ts';
import { citiesOfProvince } from '../src/policy/province.ts';
import { locateParty, mapPointToWgs84 } from '../src/policy/index.ts';
import { city } from './helpers.ts';

describe('a draft city', () => {
  let t: TestCore;
  // A point inside 梁溪区, Wuxi's old town, as a phone would report it.
  const wuxi = city('wuxi');
  const [lng, lat] = mapPointToWgs84(wuxi, ...wuxi.districts.labelPoint('梁溪区'));
  const body = { location: { lng, lat, source: 'gps' }, kind: 'motor_motor' };

  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
  });
  after(async () => {
    await t?.close();
  });

  test('its profile is a valid draft whose rules would place the point', () => {
    assert.equal(wuxi.profile.status, 'draft');
    assert.equal(locateParty(wuxi, lng, lat), '梁溪区');
  });

  test('GET /api/cities lists it as a draft beside the live cities', async () => {
    const res = await t.call('GET', '/api/cities');
    assert.equal(res.statusCode, 200, res.body);
    const list = res.json() as Array<{ tenant: string; status: string }>;
    assert.ok(list.length >= 36, `${list.length} cities`);
    assert.equal(list.find((c) => c.tenant === 'wuxi')?.status, 'draft');
    assert.equal(list.find((c) => c.tenant === 'harbin')?.status, 'active');
    const one = await t.call('GET', '/api/cities/wuxi');
    assert.equal(one.statusCode, 200, one.body);
    assert.equal(one.json().status, 'draft');
  });

  test('the pre-check and a sign-in code are refused with KC_CITY_NOT_LIVE, naming the fallback', async () => {
    const check = await t.call('POST', '/api/cities/wuxi/check', { body });
    assert.equal(check.statusCode, 409, check.body);
    assert.equal(check.json().error.code, 'KC_CITY_NOT_LIVE');
    assert.deepEqual(check.json().error.details.fallback, ['122', '110']);
    const code = await t.call('POST', '/api/cities/wuxi/party/code', { body: { phone: '13500000888' } });
    assert.equal(code.statusCode, 409, code.body);
    assert.equal(code.json().error.code, 'KC_CITY_NOT_LIVE');
  });

  test('intake refuses a report and records nothing', async () => {
    await assert.rejects(reportCase(t.core.ctx, 'wuxi', { clientKey: 'draft-1', phone: '13500000888', report: body as never }), (err: Error & { code?: string }) => err.code === 'KC_CITY_NOT_LIVE');
  });

  test('another city never sends the party to a draft', async () => {
    const check = await t.call('POST', '/api/cities/nantong/check', { body });
    assert.equal(check.statusCode, 200, check.body);
    assert.equal(check.json().eligible, false);
    assert.equal('coveredBy' in check.json(), false);
  });

  test('no demo logins for a draft; its province shows only live cities and itself', async () => {
    assert.equal(t.core.demoLogins.some((l) => l.tenant === 'wuxi'), false);
    assert.ok(t.core.demoLogins.some((l) => l.tenant === 'nantong'));
    const all = t.core.ctx.cities.all();
    assert.deepEqual(citiesOfProvince(all, 'nantong'), ['nantong', 'yancheng']);
    assert.deepEqual(citiesOfProvince(all, 'wuxi'), ['nantong', 'wuxi', 'yancheng']);
  });
});
