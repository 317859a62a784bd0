/**
 * The wrong city (issue 10, item 5): a place outside a city's area is refused in words, not
 * raw coordinates, and when another city served here covers it the refusal names that city
 * (the party app offers to switch) — in the pre-check and in the recorded refusal alike.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coveringCity, evaluate, withCoveringCity } from '../src/policy/index.ts';
import { fixedClock } from '../src/clock.ts';
import { city, report, PLACES } from './helpers.ts';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';

const TENANTS = ['harbin', 'kunming', 'nantong', 'yancheng'];
const all = () => TENANTS.map(city);
const at = fixedClock('2026-06-01T10:00:00+08:00');
const BEIJING = [116.397, 39.909] as const;

describe('coveringCity', () => {
  test('a point served by another city names that city and its district', () => {
    const [lng, lat] = PLACES.nantong.崇川区;
    assert.deepEqual(coveringCity(all(), 'harbin', lng, lat), { tenant: 'nantong', city: { zh: '南通', en: 'Nantong' }, district: '崇川区' });
    const [klng, klat] = PLACES.kunming.五华区;
    assert.equal(coveringCity(all(), 'yancheng', klng, klat)?.tenant, 'kunming');
  });
  test('never the city itself, an excluded district of another city, or a place no city serves', () => {
    const [lng, lat] = PLACES.harbin.道里区;
    assert.equal(coveringCity(all(), 'harbin', lng, lat), null);
    const [alng, alat] = PLACES.harbin.阿城区; // in Harbin's map, excluded there
    assert.equal(coveringCity(all(), 'kunming', alng, alat), null);
    const [nlng, nlat] = PLACES.kunming.安宁市;
    assert.equal(coveringCity(all(), 'harbin', nlng, nlat), null);
    assert.equal(coveringCity(all(), 'harbin', ...BEIJING), null);
  });
});

describe('the refusal for the area', () => {
  test('outside every district of the map: words in both languages, no coordinates (they stay in the checks for staff)', () => {
    const d = evaluate(city('harbin'), report(...BEIJING), at);
    assert.equal(d.reasons[0]!.code, 'district_not_covered');
    assert.equal(d.reasons[0]!.message.zh, '事故地点（哈尔滨市辖区以外）不在视频快处服务区域内。');
    assert.equal(d.reasons[0]!.message.en, 'The accident location (outside Harbin) is outside the video handling area.');
    assert.doesNotMatch(`${d.reasons[0]!.message.zh} ${d.reasons[0]!.message.en}`, /\d+\.\d+/);
    assert.match(d.checks.find((c) => c.rule === 'area')!.detail!, /116\.397, 39\.909/);
  });
  test('an excluded district is named', () => {
    const d = evaluate(city('harbin'), report(...PLACES.harbin.阿城区), at);
    assert.equal(d.reasons[0]!.message.zh, '事故地点（阿城区）不在视频快处服务区域内。');
  });
  test('withCoveringCity adds coveredBy only to an area refusal another city covers', () => {
    const nantong = report(...PLACES.nantong.崇川区);
    assert.equal(withCoveringCity(evaluate(city('harbin'), nantong, at), nantong, 'harbin', all()).coveredBy?.tenant, 'nantong');
    const beijing = report(...BEIJING);
    assert.equal('coveredBy' in withCoveringCity(evaluate(city('harbin'), beijing, at), beijing, 'harbin', all()), false);
    const daoli = report(...PLACES.harbin.道里区, { injury: 'serious' });
    assert.equal('coveredBy' in withCoveringCity(evaluate(city('harbin'), daoli, at), daoli, 'harbin', all()), false);
  });
});

describe('over HTTP (PGlite)', () => {
  let t: TestCore;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
  });
  after(async () => {
    await t?.close();
  });

  test('the pre-check and the recorded refusal both carry the covering city', async () => {
    const [lng, lat] = PLACES.nantong.崇川区;
    const body = { location: { lng, lat, source: 'gps' }, kind: 'motor_motor' };
    const check = await t.call('POST', '/api/cities/harbin/check', { body });
    assert.equal(check.statusCode, 200, check.body);
    assert.deepEqual(check.json().coveredBy, { tenant: 'nantong', city: { zh: '南通', en: 'Nantong' }, district: '崇川区' });

    const token = await t.party('harbin', '13500000777');
    const made = await t.call('POST', '/api/cases', { token, body: { clientKey: 'covering-city-1', report: body } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().decision.eligible, false);
    assert.equal(made.json().decision.coveredBy.tenant, 'nantong');
    const view = await t.call('GET', `/api/cases/${made.json().id}`, { token });
    assert.equal(view.statusCode, 200, view.body);
    assert.equal(view.json().decision.coveredBy.district, '崇川区');
  });
});
