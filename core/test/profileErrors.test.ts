import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileProfile, formatProblem, loadProfiles } from '../src/profile/index.ts';
import { citiesDir } from '../src/paths.ts';

const HARBIN = readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8');
const FILE = 'cities/harbin.yaml';

/** Applies a text edit to the Harbin profile and compiles it. */
function compileEdited(from: string, to: string) {
  assert.ok(HARBIN.includes(from), `fixture text not found: ${from}`);
  const text = HARBIN.replace(from, to);
  const result = compileProfile(text, FILE);
  assert.equal(result.ok, false, 'the edited profile must be rejected');
  return { text, lines: result.ok ? [] : result.problems.map(formatProblem) };
}

/** `file:line:col` of the first occurrence of `needle` (plus `shift` characters) in `text`. */
function at(text: string, needle: string, shift = 0): string {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `not found: ${needle}`);
  const before = text.slice(0, i + shift).split('\n');
  return `${FILE}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('a bad profile is rejected with every problem at its line and column', () => {
  test('bad YAML', () => {
    const { text, lines } = compileEdited('timezone: Asia/Shanghai', 'timezone: [Asia/Shanghai');
    assert.equal(lines.length >= 1, true);
    assert.match(lines[0]!, /^cities\/harbin\.yaml:\d+:\d+ \(yaml\): YAML: /);
    assert.ok(text);
  });

  test('a duplicated key is a YAML error', () => {
    const { lines } = compileEdited('timezone: Asia/Shanghai', 'timezone: Asia/Shanghai\ntimezone: Asia/Harbin');
    assert.match(lines.join('\n'), /YAML: Map keys must be unique/);
  });

  test('wrong pattern: hours must match HH:MM', () => {
    const { text, lines } = compileEdited('to: "19:00"', 'to: "7pm"');
    assert.deepEqual(lines, [`${at(text, '"7pm"')} service.hours[0].to: must match HH:MM (00:00–23:59, or 24:00 as an end)`]);
  });

  test('unknown key, with a did-you-mean hint, pointed at the key', () => {
    const { text, lines } = compileEdited('timezone: Asia/Shanghai', 'timezone: Asia/Shanghai\ntimezon: Asia/Shanghai');
    assert.deepEqual(lines, [`${at(text, 'timezon:')} timezon: unknown key "timezon" (hint: did you mean "timezone"?)`]);
  });

  test('an insurer needs its legal name (printed on the e-determination), and a connected insurer needs its name', () => {
    const { text, lines } = compileEdited(', legalName: 中国平安财产保险股份有限公司 }', ' }');
    assert.deepEqual(lines, [`${at(text, '{ id: pingan')} claims.insurers[1]: missing required key "legalName"`]);
    const unnamed = compileEdited('  - { plugin: insurer-dev }', '  - { plugin: insurer-dev, options: { insurers: [picc, sunshine] } }');
    assert.match(unnamed.lines.join('\n'), /integrations\[\d+\]\.options\.insurers\[1\]: insurer "sunshine" is not named under claims\.insurers/);
  });

  test('a threshold belongs to a face_match line only, and lies in 0–1', () => {
    const line = 'check: driver_licence, per: driver,';
    const { text, lines } = compileEdited(line, `${line} threshold: 0.6,`);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0]!.startsWith(`${at(text, '0.6')} evidence.checklist[`), lines[0]);
    assert.match(lines[0]!, /\]\.threshold: only a face_match check has a threshold \(hint: remove `threshold`, or make the line `check: face_match`\)$/);
    const high = compileEdited(line, 'check: face_match, per: driver, threshold: 1.5,');
    assert.match(high.lines.join('\n'), /:\d+:\d+ evidence\.checklist\[\d+\]\.threshold: must be <= 1/);
  });

  test('wrong type', () => {
    const { text, lines } = compileEdited('windowDays: 3', 'windowDays: three');
    assert.deepEqual(lines, [`${at(text, 'three')} review.windowDays: must be integer, not string "three"`]);
  });

  test('enum with a hint', () => {
    const { text, lines } = compileEdited('kind: motor_motor\n      injuries', 'kind: motor_moter\n      injuries');
    assert.deepEqual(lines, [`${at(text, 'motor_moter')} eligibility.accidentTypes[0].kind: must be one of: motor_motor, motor_non_motor, single_vehicle (hint: did you mean "motor_motor"?)`]);
  });

  test('a missing required key points at the map that lacks it', () => {
    const { lines } = compileEdited('review:\n  windowDays: 3\n', 'review:\n');
    assert.match(lines.join('\n'), /review: missing required key "windowDays"/);
  });

  test('a district not in the boundary file', () => {
    const { text, lines } = compileEdited('include: [道里区,', 'include: [道理区,');
    assert.ok(lines.includes(`${at(text, '道理区')} area.include[0]: district "道理区" is not in geo/harbin.geojson (hint: did you mean "道里区"?)`), lines.join('\n'));
  });

  test('inverted hours', () => {
    const { text, lines } = compileEdited('{ from: "07:00", to: "19:00" }', '{ from: "19:00", to: "07:00" }');
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.startsWith(`${at(text, '"07:00"')} service.hours[0].to: window ends (07:00) at or before it starts (19:00)`), lines[0]);
    assert.match(lines[0]!, /hint: .*22:00–24:00 and 00:00–06:00/);
  });

  test('overlapping hours', () => {
    const { text, lines } = compileEdited('{ from: "07:00", to: "19:00" }', '{ from: "07:00", to: "19:00" }\n    - { days: [sat, sun], from: "18:00", to: "20:00" }');
    assert.deepEqual(lines, [`${at(text, '"18:00"')} service.hours[1].from: overlaps window 0 on sat`, `${at(text, '"18:00"')} service.hours[1].from: overlaps window 0 on sun`]);
  });

  test('routing that leaves an included district without a brigade', () => {
    const { text, lines } = compileEdited("    - { id: hulan, name: { zh: 呼兰区交警大队, en: Hulan Brigade }, districts: [呼兰区] }\n", '');
    assert.deepEqual(lines, [`${at(text, '呼兰区]')} area.include[6]: district "呼兰区" has no brigade (hint: add it to the \`districts\` of one brigade under routing.brigades)`]);
  });

  test('a district routed to two brigades', () => {
    const { lines } = compileEdited('districts: [南岗区] }', 'districts: [南岗区, 道里区] }');
    assert.match(lines.join('\n'), /routing\.brigades\[1\]\.districts\[1\]: district "道里区" is routed to both "daoli" and "nangang"/);
  });

  test('an integration naming an unknown plugin', () => {
    const { text, lines } = compileEdited('{ plugin: registry-dev }', '{ plugin: registry-prod }');
    assert.equal(lines[0], `${at(text, 'registry-prod')} integrations[1].plugin: unknown plugin "registry-prod" (hint: did you mean "registry-dev"?)`);
    // …and so nothing provides the registry port the checklist's checks need.
    assert.match(lines[1]!, /integrations: no integration provides the "registry" port \(hint: add `- \{ plugin: registry-dev \}`\)/);
    assert.equal(lines.length, 2);
  });

  test("plugin options are validated by the plugin's own schema", () => {
    const { text, lines } = compileEdited('options: { signature: 【哈尔滨交警】 }', 'options: { signature: 【哈尔滨交警】, apiKey: abc }');
    assert.deepEqual(lines, [`${at(text, 'apiKey')} integrations[0].options.apiKey: unknown key "apiKey" (hint: allowed keys: signature)`]);
  });

  test('a failing example', () => {
    const { text, lines } = compileEdited('expect: { eligible: true, district: 道里区, brigade: daoli }', 'expect: { eligible: true, district: 道里区, brigade: nangang }');
    const example = '- name: 道里区 at 10:00, two cars, damage only';
    assert.deepEqual(lines, [`${at(text, example, 2)} examples[0]: example "道里区 at 10:00, two cars, damage only" failed: brigade daoli, expected nangang`]);
  });

  test('a city without a port the core needs (on-site dispatch)', () => {
    const { lines } = compileEdited('  - { plugin: dispatch-dev }\n', '');
    assert.match(lines.join('\n'), /integrations: no integration provides the "dispatch" port \(hint: add `- \{ plugin: dispatch-dev \}`\)/);
  });

  test('the national disqualifiers cannot be dropped', () => {
    const { lines } = compileEdited('disqualifiers: [drink_driving, drug_driving, hit_and_run, dangerous_goods]', 'disqualifiers: [drink_driving, dangerous_goods]');
    assert.equal(lines.filter((l) => l.includes('eligibility.disqualifiers: must include')).length, 2);
  });

  test('an unknown time zone', () => {
    const { lines } = compileEdited('timezone: Asia/Shanghai', 'timezone: Asia/Harbinn');
    assert.match(lines.join('\n'), /timezone: unknown time zone "Asia\/Harbinn"/);
  });

  test('a province not in the list of provincial divisions, with a hint', () => {
    const { text, lines } = compileEdited('province: 黑龙江', 'province: 黑龙江省');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0]!.startsWith(`${at(text, '黑龙江省')} province: must be one of: 北京, `), lines[0]);
    assert.ok(lines[0]!.endsWith('(hint: did you mean "黑龙江"?)'), lines[0]);
  });

  test('a missing province', () => {
    const { text, lines } = compileEdited('province: 黑龙江', '');
    assert.deepEqual(lines, [`${at(text, 'tenant: harbin')} (root): missing required key "province"`], 'pointed at the top map');
  });

  test('a province that differs from the boundary source', () => {
    const { text, lines } = compileEdited('province: 黑龙江', 'province: 吉林');
    assert.deepEqual(lines, [`${at(text, '吉林')} province: province "吉林" differs from area.source, which names "黑龙江" (hint: the city's boundaries come from 黑龙江: write \`province: 黑龙江\`, or correct area.source)`]);
  });

  test('several problems are all listed, not only the first', () => {
    const { lines } = compileEdited('windowDays: 3', 'windowDays: 0\n  extra: 1');
    assert.equal(lines.length, 2);
  });
});

describe('loading a folder', () => {
  function folder(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-cities-'));
    cpSync(path.join(citiesDir, 'geo'), path.join(dir, 'geo'), { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }

  test('a rejected profile takes nothing with it; the other cities still load', () => {
    const kunming = readFileSync(path.join(citiesDir, 'kunming.yaml'), 'utf8');
    const dir = folder({ 'harbin.yaml': HARBIN.replace('to: "19:00"', 'to: "19h"'), 'kunming.yaml': kunming });
    const { cities, rejected } = loadProfiles([path.join(dir, 'harbin.yaml'), path.join(dir, 'kunming.yaml')]);
    assert.deepEqual(cities.map((c) => c.tenant), ['kunming']);
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.problems[0]!.path, /service\.hours\[0\]\.to/);
  });

  test('the file must be named after its tenant', () => {
    const dir = folder({ 'harbin-copy.yaml': HARBIN });
    const { cities, rejected } = loadProfiles([path.join(dir, 'harbin-copy.yaml')]);
    assert.equal(cities.length, 0);
    assert.match(rejected[0]!.problems[0]!.message, /must be named harbin\.yaml/);
  });

  test('a missing boundary file says how to make it', () => {
    const dir = folder({});
    const text = HARBIN.replace('geo/harbin.geojson', 'geo/nowhere.geojson');
    writeFileSync(path.join(dir, 'harbin.yaml'), text);
    const { rejected } = loadProfiles([path.join(dir, 'harbin.yaml')]);
    assert.match(formatProblem(rejected[0]!.problems[0]!), /area\.boundaries: boundary file geo\/nowhere\.geojson does not exist \(hint: run `npx kuaichu import-districts`\)/);
  });
});
