import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadCities } from '@kuaichu/core/profile';
import { evaluate, locateParty } from '@kuaichu/core/policy';
import { fixedClock } from '@kuaichu/core/clock';
import { initCity, InitCityError } from '../src/initCity/initCity.ts';
import { matchCity } from '../src/initCity/names.ts';
import { packageCities } from '../src/commands/importDistricts.ts';
import { main } from '../src/cli.ts';
import { citiesDir } from '@kuaichu/core/paths';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function tmpCities(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'kuaichu-init-city-'));
}

test('init-city 无锡: a draft that validates, with its urban districts, one brigade each, WGS-84 examples', async () => {
  const dir = await tmpCities();
  try {
    const r = await initCity('无锡', { citiesDir: dir, sources: ['a test'] });
    assert.equal(r.tenant, 'wuxi');
    assert.deepEqual(r.districts, ['锡山区', '惠山区', '滨湖区', '梁溪区', '新吴区']);
    assert.deepEqual(r.leftOut, ['江阴市', '宜兴市']);
    const { cities, rejected } = loadCities(dir);
    assert.deepEqual(rejected, []);
    const wuxi = cities[0]!;
    assert.equal(wuxi.profile.status, 'draft');
    assert.equal(wuxi.profile.province, '江苏');
    assert.equal(wuxi.profile.area.datum, 'gcj02');
    assert.equal(wuxi.profile.integrations, undefined, 'a draft names no adapters');
    assert.deepEqual(wuxi.profile.routing.brigades.map((b) => b.id), ['xishan', 'huishan', 'binhu', 'liangxi', 'xinwu']);
    assert.deepEqual(wuxi.profile.channels.map((c) => c.id), ['app12123', 'web']);
    assert.deepEqual(wuxi.profile.eligibility.accidentTypes.map((t) => [t.kind, t.injuries]), [['motor_motor', ['none']]]);
    assert.deepEqual(wuxi.profile.sources, ['a test']);
    // Each district's example point, as a phone reports it, lands in that district after the conversion.
    const examples = wuxi.profile.examples ?? [];
    assert.ok(examples.length >= 8);
    for (const ex of examples.filter((e) => e.expect.eligible)) {
      assert.equal(locateParty(wuxi, ex.report.location.lng, ex.report.location.lat), ex.expect.district);
      assert.equal(evaluate(wuxi, ex.report, fixedClock(ex.at)).brigade?.id, ex.expect.brigade);
    }
    assert.match(await readFile(path.join(dir, 'geo', 'README.md'), 'utf8'), /wuxi\.geojson/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('pinyin is accepted; one shared by two cities asks for the Chinese name; an unknown city is refused', async () => {
  const all = await packageCities();
  assert.deepEqual(matchCity('Wuxi', all).map((c) => c.city), ['无锡市']);
  assert.deepEqual(matchCity('无锡市', all).map((c) => c.city), ['无锡市']);
  assert.deepEqual(matchCity('taizhou', all).map((c) => c.city).sort(), ['台州市', '泰州市']);
  const dir = await tmpCities();
  try {
    await assert.rejects(initCity('taizhou', { citiesDir: dir }), (e: Error) => e instanceof InitCityError && /泰州市.*台州市|台州市.*泰州市/.test(e.message));
    await assert.rejects(initCity('亚特兰蒂斯', { citiesDir: dir }), (e: Error) => e instanceof InitCityError && /no map of/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a municipality (天津) comes from the package geojson with its fix for 蓟州区; an existing profile needs --force', async () => {
  const dir = await tmpCities();
  try {
    const r = await initCity('tianjin', { citiesDir: dir });
    assert.equal(r.districts.length, 16);
    assert.ok(r.districts.includes('蓟州区'));
    const geo = JSON.parse(await readFile(r.geoFile, 'utf8')) as { features: Array<{ properties: { name: string; adcode?: string } }> };
    assert.equal(geo.features.find((f) => f.properties.name === '蓟州区')?.properties.adcode, '120119');
    const yaml = await readFile(r.file, 'utf8');
    assert.match(yaml, /天津市公安局交通管理局/);
    await assert.rejects(initCity('天津', { citiesDir: dir }), (e: Error) => e instanceof InitCityError && /--force/.test(e.message));
    await initCity('天津', { citiesDir: dir, force: true, dev: true });
    const { cities, rejected } = loadCities(dir);
    assert.deepEqual(rejected, []);
    assert.deepEqual(cities[0]!.profile.integrations?.map((i) => i.plugin), ['sms-dev', 'registry-dev', 'ocr-dev', 'insurer-dev', 'dispatch-dev']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the CLI: kuaichu init-city prints what it wrote; a bad name exits 1 with the reason', async () => {
  const bad = await run(['init-city', 'taizhou']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /give the Chinese name/);
  const usage = await run(['init-city']);
  assert.notEqual(usage.code, 0);
});

test('the CLI with --out writes the draft and its boundaries there, not into cities/: the same map cities/ ships', async () => {
  const dir = await tmpCities();
  try {
    const r = await run(['init-city', '无锡', '--dev', '--out', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`${dir}/wuxi\\.yaml: draft for wuxi, 5 districts served`));
    const { cities, rejected } = loadCities(dir);
    assert.deepEqual(rejected, []);
    assert.equal(cities[0]!.profile.status, 'draft');
    assert.deepEqual(cities[0]!.profile.integrations?.map((i) => i.plugin), ['sms-dev', 'registry-dev', 'ocr-dev', 'insurer-dev', 'dispatch-dev']);
    // A server checks a published profile's boundaries against its own cities/geo: init-city draws the same map.
    assert.equal(await readFile(path.join(dir, 'geo', 'wuxi.geojson'), 'utf8'), await readFile(path.join(citiesDir, 'geo', 'wuxi.geojson'), 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
