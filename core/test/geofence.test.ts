import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { citiesDir } from '../src/paths.ts';
import { DistrictIndex, type DistrictCollection } from '../src/policy/geofence.ts';

function load(tenant: string): { fc: DistrictCollection; index: DistrictIndex } {
  const file = path.join(citiesDir, 'geo', `${tenant}.geojson`);
  const fc = JSON.parse(readFileSync(file, 'utf8')) as DistrictCollection;
  return { fc, index: DistrictIndex.fromGeoJSON(fc, `cities/geo/${tenant}.geojson`) };
}

function center(fc: DistrictCollection, name: string): readonly [number, number] {
  const c = fc.features.find((f) => f.properties.name === name)?.properties.center;
  assert.ok(c, `${name} has a center`);
  return c;
}

const square = (x0: number, y0: number, x1: number, y1: number) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const feature = (name: string, geometry: unknown) => ({ type: 'Feature', properties: { name }, geometry });
const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features });

test('Harbin landmarks', () => {
  const { fc, index } = load('harbin');
  assert.equal(index.names().length, 18);
  assert.equal(index.locate(126.617, 45.773), '道里区', '中央大街 / Central Street');
  assert.equal(index.locate(126.632, 45.750), '南岗区', '哈尔滨工业大学 / Harbin Institute of Technology');
  // The two urban districts the city excludes: their label points are well inside.
  assert.equal(index.locate(...center(fc, '阿城区')), '阿城区');
  assert.equal(index.locate(...center(fc, '双城区')), '双城区');
});

test('Kunming landmarks', () => {
  const { fc, index } = load('kunming');
  assert.equal(index.names().length, 14);
  assert.equal(index.locate(102.704, 25.048), '五华区', '翠湖 / Green Lake');
  assert.equal(index.locate(...center(fc, '呈贡区')), '呈贡区');
  assert.equal(index.locate(...center(fc, '安宁市')), '安宁市');
});

for (const tenant of ['nantong', 'yancheng', 'harbin', 'kunming']) {
  test(`${tenant}: each district's center lies in that district where it lies in its own polygon`, () => {
    const { fc, index } = load(tenant);
    let inside = 0;
    for (const f of fc.features) {
      const c = f.properties.center;
      assert.ok(c, `${f.properties.name} has a center`);
      const own = DistrictIndex.fromGeoJSON(collection(f)).locate(...c) !== null;
      if (!own) continue;
      inside++;
      assert.equal(index.locate(...c), f.properties.name, `center of ${f.properties.name}`);
    }
    assert.ok(inside >= Math.ceil(fc.features.length * 0.75), `only ${inside}/${fc.features.length} centers inside their district`);
  });
}

test('points in the sea or far away are in no district', () => {
  assert.equal(load('nantong').index.locate(122.6, 32.0), null, 'Yellow Sea east of 启东');
  assert.equal(load('yancheng').index.locate(121.3, 33.5), null, 'Yellow Sea east of 大丰');
  assert.equal(load('harbin').index.locate(116.397, 39.909), null, 'Beijing');
  assert.equal(load('kunming').index.locate(0, 0), null);
});

test('names, has, bbox, area', () => {
  const { fc, index } = load('harbin');
  assert.deepEqual(index.names(), fc.features.map((f) => f.properties.name));
  assert.ok(index.has('道里区'));
  assert.ok(!index.has('朝阳区'));
  const [minLng, minLat, maxLng, maxLat] = index.bbox('道里区');
  const [cx, cy] = center(fc, '道里区');
  assert.ok(minLng < cx && cx < maxLng && minLat < cy && cy < maxLat);
  // Official areas: 道里区 479 km², 南岗区 182 km², 尚志市 8 910 km² (the data is coarse, so ±15 %).
  for (const [name, km2] of [['道里区', 479], ['南岗区', 182], ['尚志市', 8910]] as const) {
    const a = index.area(name);
    assert.ok(Math.abs(a - km2) / km2 < 0.15, `${name}: ${a.toFixed(0)} km², expected about ${km2}`);
  }
  assert.throws(() => index.bbox('朝阳区'), /unknown district "朝阳区"/);
  assert.throws(() => index.area('朝阳区'), /unknown district/);
});

test('holes are excluded; a district inside the hole is found', () => {
  const ring = collection(
    feature('外区', { type: 'Polygon', coordinates: [square(0, 0, 10, 10), square(4, 4, 6, 6)] }),
    feature('内区', { type: 'Polygon', coordinates: [square(4, 4, 6, 6)] }),
  );
  const index = DistrictIndex.fromGeoJSON(ring);
  assert.equal(index.locate(1, 1), '外区');
  assert.equal(index.locate(5, 5), '内区', 'in the hole of 外区, inside 内区');
  assert.equal(index.locate(11, 5), null);
  const donutOnly = DistrictIndex.fromGeoJSON(collection(ring.features[0]));
  assert.equal(donutOnly.locate(5, 5), null, 'in the hole, nothing else there');
  assert.equal(donutOnly.locate(3, 5), '外区');
  // 10°×10° minus 2°×2° at the equator, about 96 · 111.2² km² (the projection shrinks it slightly).
  const expected = 96 * (6371.0088 * Math.PI / 180) ** 2;
  assert.ok(Math.abs(donutOnly.area('外区') - expected) / expected < 0.01);
});

test('MultiPolygon with two islands', () => {
  const index = DistrictIndex.fromGeoJSON(collection(
    feature('岛区', { type: 'MultiPolygon', coordinates: [[square(121, 31, 121.2, 31.2)], [square(121.5, 31, 121.7, 31.2)]] }),
  ));
  assert.equal(index.locate(121.1, 31.1), '岛区');
  assert.equal(index.locate(121.6, 31.1), '岛区');
  assert.equal(index.locate(121.35, 31.1), null, 'the strait between the islands');
  assert.deepEqual(index.bbox('岛区'), [121, 31, 121.7, 31.2]);
});

test('concave ring and open (unclosed) ring', () => {
  // A "U": the notch between the arms is outside.
  const u = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]];
  const index = DistrictIndex.fromGeoJSON(collection(feature('U区', { type: 'Polygon', coordinates: [u] })));
  assert.equal(index.locate(0.5, 2), 'U区');
  assert.equal(index.locate(2.5, 2), 'U区');
  assert.equal(index.locate(1.5, 2), null);
  assert.equal(index.locate(1.5, 0.5), 'U区');
});

test('malformed input is refused with the file and the feature named', () => {
  const f = 'cities/geo/x.geojson';
  const ok = (name: string) => feature(name, { type: 'Polygon', coordinates: [square(0, 0, 1, 1)] });
  const cases: Array<[unknown, RegExp]> = [
    [{ type: 'Feature' }, /^Error: cities\/geo\/x\.geojson: expected a GeoJSON FeatureCollection/],
    [collection({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [square(0, 0, 1, 1)] } }), /x\.geojson: feature #0: properties\.name must be a non-empty string/],
    [collection(ok('甲区'), feature('乙区', { type: 'LineString', coordinates: [[0, 0], [1, 1]] })), /x\.geojson: feature #1 \(乙区\): geometry\.type must be Polygon or MultiPolygon, got "LineString"/],
    [collection(feature('丙区', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], ['1', 1], [0, 0]]] })), /feature #0 \(丙区\): coordinates\[0\]\[2\] must be a \[lng, lat\] pair/],
    [collection(feature('丁区', { type: 'Polygon', coordinates: [[[0, 0], [1, 0]]] })), /feature #0 \(丁区\): coordinates\[0\] must be a ring of at least 3/],
    [collection(feature('戊区', { type: 'MultiPolygon', coordinates: [[square(0, 0, 1, 1)], []] })), /feature #0 \(戊区\): coordinates\[1\] must be a non-empty array of rings/],
    [collection(feature('己区', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 95], [0, 0]]] })), /己区.*must be a \[lng, lat\] pair of degrees/],
    [collection(ok('庚区'), ok('庚区')), /feature #1 \(庚区\): duplicate district name/],
    [collection(feature('辛区', null)), /feature #0 \(辛区\): missing geometry/],
  ];
  for (const [input, re] of cases) assert.throws(() => DistrictIndex.fromGeoJSON(input, f), re);
});

test('random points over Harbin\'s urban area mostly land in a district', () => {
  // Speed is measured by `npm run bench:policy`, not asserted here.
  const { index } = load('harbin');
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const points = Array.from({ length: 5000 }, () => [126.3 + rnd() * 0.8, 45.4 + rnd() * 0.6] as const);
  let found = 0;
  for (const [x, y] of points) if (index.locate(x, y) !== null) found++;
  assert.ok(found > points.length * 0.9, `${found} of ${points.length} located`);
});


test('labelPoint: the file\'s label point when locate() agrees, else an inside point near the middle', () => {
  for (const tenant of ['harbin', 'kunming', 'nantong', 'yancheng']) {
    const { fc, index } = load(tenant);
    for (const name of index.names()) assert.equal(index.locate(...index.labelPoint(name)), name, `${tenant} ${name}`);
    const first = fc.features[0]!.properties;
    if (index.locate(...first.center!) === first.name) assert.deepEqual(index.labelPoint(first.name), first.center);
  }
  const harbin = load('harbin');
  assert.deepEqual(harbin.index.labelPoint('道里区'), center(harbin.fc, '道里区'));
  // An L-shaped district whose box middle is outside it, and no label point.
  const l = DistrictIndex.fromGeoJSON(collection(feature('L', { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 2], [2, 2], [2, 10], [0, 10], [0, 0]]] })));
  const [x, y] = l.labelPoint('L');
  assert.equal(l.locate(x, y), 'L');
  assert.throws(() => l.labelPoint('M'), /unknown district/);
});
