/**
 * Start-up reads trusted profile files with js-yaml first (profile/fastParse.ts): the result must
 * be exactly what the positional `yaml` reading gives, and any problem must still come with its
 * line:col from the full reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileParsed, compileProfile, loadProfiles, profileFiles } from '../src/profile/index.ts';
import { fastParse } from '../src/profile/fastParse.ts';
import { citiesDir } from '../src/paths.ts';

test('every shipped profile: the fast reading compiles to the same profile as the full one', () => {
  const files = profileFiles();
  assert.ok(files.length >= 36);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const parsed = fastParse(text);
    assert.notEqual(parsed, undefined, `${file} is read fast`);
    const fast = compileParsed(parsed, file, { citiesDir });
    const full = compileProfile(text, file, { citiesDir });
    assert.ok(fast?.ok && full.ok, file);
    assert.deepEqual(fast.city.profile, full.city.profile, file);
  }
});

test('anchors, aliases, tags and merge keys are left to the full reading', () => {
  assert.equal(fastParse('a: &x { b: 1 }\nc: *x\n'), undefined);
  assert.equal(fastParse('a: !!str 1\n'), undefined);
  assert.equal(fastParse('a: { b: 1 }\nc:\n  <<: { d: 2 }\n'), undefined);
  assert.equal(fastParse('a: 1\na: 2\n'), undefined, 'duplicate keys');
  assert.deepEqual(fastParse('a: "x # not a comment"  # a comment\n'), { a: 'x # not a comment' });
});

test('a flawed file still gets every problem at its line:col', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-load-'));
  mkdirSync(path.join(dir, 'geo'));
  copyFileSync(path.join(citiesDir, 'geo', 'wuxi.geojson'), path.join(dir, 'geo', 'wuxi.geojson'));
  const text = readFileSync(path.join(citiesDir, 'wuxi.yaml'), 'utf8').replace('to: "19:00"', 'to: "19"');
  writeFileSync(path.join(dir, 'wuxi.yaml'), text);
  const { cities, rejected } = loadProfiles([path.join(dir, 'wuxi.yaml')], { citiesDir: dir });
  assert.equal(cities.length, 0);
  const line = text.split('\n').findIndex((l) => l.includes('to: "19"')) + 1;
  assert.equal(rejected[0]!.problems[0]!.line, line);
  assert.match(rejected[0]!.problems[0]!.path, /^service\.hours\[0\]\.to$/);
});
