/**
 * Offline service points (issue 14, Yancheng's 云车通): a party not settled remotely is sent to
 * the nearest point — by distance when every point gives a location, else by the quadrant of
 * the party seen from the centre of the covered districts (Yancheng's real boundaries here) —
 * and the server says which, for a refused report and for a case.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import type { ServicePoint } from '../src/generated/types.ts';
import { coveredCentre, nearestServicePoint, quadrantOf, referral } from '../src/platform/servicePoints.ts';
import { mapPointToWgs84 } from '../src/policy/datum.ts';
import { compileProfile, formatProblem } from '../src/profile/index.ts';
import { citiesDir } from '../src/paths.ts';
import { city } from './helpers.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const yancheng = city('yancheng');
const POINTS = yancheng.profile.platform!.servicePoints!;
const name = (p: ServicePoint | undefined) => p?.name.en;

/** A place in the boundary file's datum, `dLng`/`dLat` degrees off the centre of 亭湖区 and 盐都区. */
function off(dLng: number, dLat: number) {
  const c = coveredCentre(yancheng);
  return { lng: c.lng + dLng, lat: c.lat + dLat };
}

describe('nearest service point (pure)', () => {
  test("the centre of the covered districts lies between 亭湖区 and 盐都区, inside the urban area", () => {
    const c = coveredCentre(yancheng);
    assert.ok(c.lng > 120.0 && c.lng < 120.25 && c.lat > 33.25 && c.lat < 33.45, JSON.stringify(c));
    assert.ok(['亭湖区', '盐都区'].includes(yancheng.districts.locate(c.lng, c.lat) ?? ''), 'the centre is in a covered district');
  });

  test('a place in each quadrant goes to the point of that direction (the profile gives no locations)', () => {
    const cases = [
      [off(0.25, 0.02), 'east', 'East one-stop service point'],
      [off(-0.25, -0.02), 'west', 'West one-stop service point'],
      [off(0.03, 0.25), 'north', 'North one-stop service point'],
      [off(-0.03, -0.2), 'south', 'South one-stop service point'],
    ] as const;
    for (const [at, quadrant, expected] of cases) {
      const n = nearestServicePoint(POINTS, yancheng, at);
      assert.equal(n?.by, 'region');
      assert.equal(n?.quadrant, quadrant);
      assert.equal(name(n?.point), expected, `${JSON.stringify(at)} → ${expected}`);
    }
  });

  test('the quadrants are ±45° around each axis, east-west scaled by the latitude', () => {
    const c = { lng: 120, lat: 33.5 };
    const k = Math.cos((33.5 * Math.PI) / 180);
    assert.equal(quadrantOf(c, { lng: 120 + 0.1 / k, lat: 33.5 + 0.099 }), 'east');
    assert.equal(quadrantOf(c, { lng: 120 + 0.1 / k, lat: 33.5 + 0.101 }), 'north');
    assert.equal(quadrantOf(c, { lng: 120 - 0.1 / k, lat: 33.5 - 0.099 }), 'west');
    assert.equal(quadrantOf(c, { lng: 120 - 0.1 / k, lat: 33.5 - 0.101 }), 'south');
  });

  test('located points win by distance, whatever the quadrant', () => {
    const located: ServicePoint[] = [
      { ...POINTS[0]!, location: off(0.45, 0.3) }, // east, far up the coast
      { ...POINTS[1]!, location: off(-0.3, 0) },
      { ...POINTS[2]!, location: off(0, -0.3) },
      { ...POINTS[3]!, location: off(0.22, 0.05) }, // north, but next to the party
    ];
    const n = nearestServicePoint(located, yancheng, off(0.25, 0.02));
    assert.equal(n?.by, 'distance');
    assert.equal(n?.quadrant, 'east');
    assert.equal(name(n?.point), 'North one-stop service point');
  });

  test('some located and some not: by region; no point for the quadrant → a centre point, else the first; none → null', () => {
    const mixed: ServicePoint[] = [{ ...POINTS[3]!, location: off(0.25, 0.02) }, POINTS[0]!];
    assert.equal(name(nearestServicePoint(mixed, yancheng, off(0.25, 0.02))?.point), 'East one-stop service point');
    const centre: ServicePoint = { name: { zh: '中心服务点', en: 'Centre point' }, direction: 'centre' };
    assert.equal(name(nearestServicePoint([POINTS[0]!, centre], yancheng, off(-0.25, 0))?.point), 'Centre point');
    assert.equal(name(nearestServicePoint([POINTS[2]!, POINTS[3]!], yancheng, off(0.25, 0))?.point), 'South one-stop service point');
    assert.equal(nearestServicePoint([], yancheng, off(0, 0)), null);
  });

  test("the profile's servicePointsCentre divides the regions instead: a place east of the covered districts' centre is west of a centre given further east", () => {
    const at = off(0.05, 0);
    assert.equal(nearestServicePoint(POINTS, yancheng, at)?.quadrant, 'east');
    const n = nearestServicePoint(POINTS, yancheng, at, off(0.15, 0));
    assert.equal(n?.quadrant, 'west');
    assert.equal(name(n?.point), 'West one-stop service point');
    const centre = off(0.15, 0);
    const given = { ...yancheng, profile: { ...yancheng.profile, platform: { ...yancheng.profile.platform!, servicePointsCentre: centre } } };
    const [lng, lat] = mapPointToWgs84(yancheng, at.lng, at.lat);
    const r = referral(given, { lng, lat })!;
    assert.equal(r.quadrant, 'west');
    const [cLng, cLat] = mapPointToWgs84(yancheng, centre.lng, centre.lat);
    assert.deepEqual(r.centre, { lng: cLng, lat: cLat }, 'the map is told the centre the rule used');
  });

  test('the referral: WGS-84 in and out, nearest first and marked, then the others; no invented address or hours', () => {
    const [lng, lat] = mapPointToWgs84(yancheng, off(-0.25, -0.02).lng, off(-0.25, -0.02).lat);
    const r = referral(yancheng, { lng, lat })!;
    assert.equal(r.by, 'region');
    assert.equal(r.quadrant, 'west');
    assert.deepEqual(r.points.map((p) => [p.direction, p.nearest]), [['west', true], ['east', false], ['south', false], ['north', false]]);
    assert.ok(r.points.every((p) => !p.address && !p.hours && !p.location && p.handles.length === 4));
    assert.deepEqual(r.from, { lng, lat });
  });

  test('address, hours (as the service hours are worded) and distances when the profile gives them', () => {
    const c = coveredCentre(yancheng);
    const servicePoints: [ServicePoint, ...ServicePoint[]] = [
      { ...POINTS[0]!, address: { zh: '示例地址', en: 'Example address' }, hours: [{ from: '08:30', to: '17:30' }], location: { lng: c.lng + 0.1, lat: c.lat } },
      { ...POINTS[1]!, location: { lng: c.lng - 0.2, lat: c.lat } },
    ];
    const given = { ...yancheng, profile: { ...yancheng.profile, platform: { ...yancheng.profile.platform!, servicePoints } } };
    const [lng, lat] = mapPointToWgs84(yancheng, c.lng + 0.12, c.lat);
    const r = referral(given, { lng, lat })!;
    assert.equal(r.by, 'distance');
    assert.deepEqual(r.points[0]!.address, { zh: '示例地址', en: 'Example address' });
    assert.deepEqual(r.points[0]!.hours, { zh: '每日 08:30–17:30', en: '08:30–17:30 daily' });
    assert.ok(r.points[0]!.km! < 3 && r.points[1]!.km! > 25, JSON.stringify(r.points.map((p) => p.km)));
  });
});

describe('service points in the profile', () => {
  const YAML = readFileSync(path.join(citiesDir, 'yancheng.yaml'), 'utf8');
  const EAST = 'direction: east, handles: [';
  const compiled = (text: string) => compileProfile(text, 'cities/yancheng.yaml');
  test('Yancheng as shipped (names, directions, what they handle; no address, hours or location) is valid', () => {
    assert.ok(YAML.includes(EAST));
    assert.equal(compiled(YAML).ok, true);
  });
  test('address, hours and location are taken; inverted hours and a point without a direction are refused at their place', () => {
    const given = YAML.replace(EAST, 'direction: east, address: { zh: 示例, en: Example }, hours: [{ from: "08:30", to: "17:30" }], location: { lng: 120.3, lat: 33.4 }, handles: [');
    assert.equal(compiled(given).ok, true);
    const inverted = compiled(YAML.replace(EAST, 'direction: east, hours: [{ from: "17:30", to: "08:30" }], handles: ['));
    assert.equal(inverted.ok, false);
    assert.match(inverted.ok ? '' : inverted.problems.map(formatProblem).join('\n'), /yancheng\.yaml:\d+:\d+ platform\.servicePoints\[0\]\.hours\[0\]\.to: window ends \(08:30\) at or before it starts/);
    const undirected = compiled(YAML.replace(EAST, 'handles: ['));
    assert.equal(undirected.ok, false);
  });
  test('servicePointsCentre is taken inside a covered district; outside them, or without points, refused at its place with what to write', () => {
    const withCentre = (lng: number, lat: number) => YAML.replace('  servicePoints:\n', `  servicePointsCentre: { lng: ${lng}, lat: ${lat} }\n  servicePoints:\n`);
    const c = coveredCentre(yancheng);
    assert.equal(compiled(withCentre(c.lng + 0.05, c.lat)).ok, true);
    const outside = compiled(withCentre(116.4, 39.9));
    assert.equal(outside.ok, false);
    assert.match(outside.ok ? '' : outside.problems.map(formatProblem).join('\n'), /platform\.servicePointsCentre: the centre \(116\.4, 39\.9\) is outside every district of the boundary file[\s\S]*inside one of: /);
    const alone = compiled(withCentre(c.lng, c.lat).replace(/  servicePoints:\n(    - .*\n)+/, ''));
    assert.equal(alone.ok, false);
    assert.match(alone.ok ? '' : alone.problems.map(formatProblem).join('\n'), /a centre for the service points, but no servicePoints/);
  });
});

describe('service points over the API (PGlite)', () => {
  let t: TestCore;
  before(async () => { t = await startTestCore({ kind: 'pglite' }); });
  after(async () => { await t?.close(); });

  const west = () => {
    const at = off(-0.25, -0.02);
    const [lng, lat] = mapPointToWgs84(yancheng, at.lng, at.lat);
    return { lng, lat };
  };

  test('a refused party (no case yet) gets the nearest point for its place; a city without points 409; nobody signed in 401', async () => {
    const party = await t.party('yancheng', '13900001450');
    const { lng, lat } = west();
    const r = await t.call('POST', '/api/service-points/nearest', { token: party, body: { lng, lat } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().points[0].name.en, 'West one-stop service point');
    assert.equal(r.json().points[0].nearest, true);
    assert.equal(r.json().by, 'region');
    const harbin = await t.party('harbin', '13900001451');
    assert.equal((await t.call('POST', '/api/service-points/nearest', { token: harbin, body: { lng, lat } })).json().error.code, 'KC_FEATURE_NOT_OFFERED');
    assert.equal((await t.call('POST', '/api/service-points/nearest', { body: { lng, lat } })).statusCode, 401);
    assert.equal((await t.call('POST', '/api/service-points/nearest', { token: party, body: { lng: 500, lat } })).statusCode, 400);
  });

  test("a case refused at its place: its own party reads the referral from the stored place; another party's is not found", async () => {
    const party = await t.party('yancheng', '13900001452');
    const report = { location: west(), kind: 'motor_motor', injury: 'none', channel: 'video_phone', disqualifiers: ['drink_driving'] };
    const made = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'sp-refused-1', report } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().decision.eligible, false);
    const r = await t.call('GET', `/api/cases/${made.json().id}/service-points`, { token: party });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().quadrant, 'west');
    assert.deepEqual(r.json().points.map((p: { nearest: boolean }) => p.nearest), [true, false, false, false]);
    const other = await t.party('yancheng', '13900001453');
    assert.equal((await t.call('GET', `/api/cases/${made.json().id}/service-points`, { token: other })).statusCode, 404);
  });

  test('the map of the service points: the city districts, for a city that lists points', async () => {
    const r = await t.call('GET', '/api/service-points/map', { token: await t.party('yancheng', '13900001454') });
    assert.equal(r.statusCode, 200, r.body);
    assert.ok(r.json().boundaries.features.some((f: { properties: { name: string; covered: boolean } }) => f.properties.name === '盐都区' && f.properties.covered));
    assert.equal((await t.call('GET', '/api/service-points/map', { token: await t.party('harbin', '13900001455') })).statusCode, 409);
  });
});
