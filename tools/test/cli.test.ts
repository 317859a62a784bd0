import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli.ts';
import { citiesDir, repoRoot } from '@kuaichu/core/paths';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const HARBIN_10AM = ['--city', 'harbin', '--at', '2026-06-01T10:00:00+08:00', '--lng', '126.617', '--lat', '45.773', '--type', 'motor_motor'];

describe('kuaichu validate', () => {
  test('all city profiles are valid and their examples pass (exit 0)', async () => {
    const r = await run('validate');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /36 valid, 0 rejected/);
    assert.match(r.out, /cities\/harbin\.yaml \(harbin\): valid, \d+ examples passed/);
  });
  test('a bad profile: every problem with line:col on stderr, exit 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-cli-'));
    const file = path.join(dir, 'harbin.yaml');
    writeFileSync(file, readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8').replace('to: "19:00"', 'to: "19"').replace('windowDays: 3', 'windowDays: -1'));
    const r = await run('validate', file);
    assert.equal(r.code, 1);
    assert.match(r.err, /harbin\.yaml:\d+:\d+ service\.hours\[0\]\.to: must match HH:MM/);
    assert.match(r.err, /harbin\.yaml:\d+:\d+ review\.windowDays: must be >= 1/);
    assert.match(r.out, /0 valid, 1 rejected/);
  });
});

describe('kuaichu check', () => {
  test('eligible: decision JSON on stdout, exit 0', async () => {
    const r = await run('check', ...HARBIN_10AM);
    assert.equal(r.code, 0);
    const d = JSON.parse(r.out);
    assert.equal(d.eligible, true);
    assert.equal(d.district, '道里区');
    assert.equal(d.brigade.id, 'daoli');
  });
  test('not eligible: exit 3 with the reasons and the fallback', async () => {
    const r = await run('check', '--city', 'harbin', '--at', '2026-06-01T19:30:00+08:00', '--lng', '126.958', '--lat', '45.549', '--type', 'motor_motor');
    assert.equal(r.code, 3);
    const d = JSON.parse(r.out);
    assert.deepEqual(d.reasons.map((x: { code: string }) => x.code).sort(), ['district_not_covered', 'outside_service_hours']);
    assert.equal(d.fallback.phones[0].number, '122');
  });
  test('flags change one thing each', async () => {
    assert.equal((await run('check', ...HARBIN_10AM, '--disqualifier', 'drink')).code, 3);
    assert.equal((await run('check', ...HARBIN_10AM, '--channel', 'wechat_miniprogram')).code, 3);
    assert.equal((await run('check', ...HARBIN_10AM, '--insured', 'none')).code, 3);
    assert.equal((await run('check', ...HARBIN_10AM, '--movable', 'no')).code, 3);
    const kunming = ['--city', 'kunming', '--at', '2026-06-01T10:00:00+08:00', '--lng', '102.822', '--lat', '24.886', '--type', 'single_vehicle'];
    assert.equal((await run('check', ...kunming)).code, 0);
    assert.equal((await run('check', ...kunming, '--owner-present', 'no')).code, 3);
    assert.equal((await run('check', ...kunming, '--injury', 'minor')).code, 0);
  });
  for (const [label, args, message] of [
    ['unknown type', ['--type', 'bus'], /--type must be one of motor_motor\|motor_non_motor\|single_vehicle, not "bus"/],
    ['unknown city', ['--city', 'atlantis'], /no city "atlantis"/],
    ['bad time', ['--at', 'tomorrow'], /--at must be an ISO 8601 time with offset/],
    ['bad longitude', ['--lng', 'east'], /--lng must be a number/],
    ['unknown flag', ['--colour', 'red'], /colour/],
    ['unknown disqualifier', ['--disqualifier', 'sleepy'], /--disqualifier must be one of/],
  ] as const) {
    test(`bad input (${label}): message on stderr, exit 1`, async () => {
      const argv = [...HARBIN_10AM];
      for (let i = 0; i < args.length; i += 2) {
        const j = argv.indexOf(args[i]!);
        if (j >= 0) argv[j + 1] = args[i + 1]!;
        else argv.push(args[i]!, args[i + 1]!);
      }
      const r = await run('check', ...argv);
      assert.equal(r.code, 1);
      assert.match(r.err, message);
      assert.equal(r.out, '');
    });
  }
  test('a missing required flag', async () => {
    const r = await run('check', '--city', 'harbin');
    assert.equal(r.code, 1);
    assert.match(r.err, /--lng is required/);
  });
});

test('an unknown command prints the usage and exits 1', async () => {
  const r = await run('frobnicate');
  assert.equal(r.code, 1);
  assert.match(r.err, /unknown command "frobnicate"[\s\S]*usage: kuaichu/);
});

test('`npx kuaichu` runs from the repo root as a real process', () => {
  const r = spawnSync('npx', ['--no-install', 'kuaichu', 'check', ...HARBIN_10AM, '--injury', 'serious'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(JSON.parse(r.stdout).reasons[0].code, 'serious_injury');
});
