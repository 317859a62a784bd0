/**
 * `kuaichu staffing`: Erlang C seats per hour from the command line, at once; with --simulate,
 * the simulator's measured service level for the same inputs beside it (a short run through
 * the API) and its progress on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../src/cli.ts';
import type { StaffingPlan } from '../src/staffing/plan.ts';
import { batchMeansError } from '../src/staffing/batchMeans.ts';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['staffing', ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('12 calls an hour at 5 minutes, 80/20: 3 seats around the clock in Kunming, the formula at once (no simulation unless asked)', async () => {
  const r = await run('--city', 'kunming', '--arrivals-per-hour', '12', '--aht', '5m', '--target', '80/20');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /kunming: AHT 300 s, target 80 % answered within 20 s — Erlang C \(M\/M\/N\), 72 seat-hours a day/);
  assert.match(r.out, /^hours +calls\/h +load +seats +P\(wait\) +SL formula +ASA formula +occupancy$/m);
  assert.match(r.out, /^00–24 +12\.0 +1\.00 E +3 +9\.1 % +92\.0 % +13\.6 s +33\.3 %$/m);
  assert.match(r.out, /Erlang C only\. .*add --simulate/);
  assert.equal(r.err, '', 'nothing simulated (no "simulating …", no progress), nothing on stderr');
  const json = JSON.parse((await run('--city', 'kunming', '--arrivals-per-hour', '12', '--json')).out) as StaffingPlan;
  assert.equal(json.simulation, null);
  assert.ok(json.rows.every((row) => row.simulated === null));
});

test('--hours and per-hour lists; Harbin is open 07–19 only, so its night hours need no seats', async () => {
  const r = await run('--city', 'harbin', '--arrivals-per-hour', '30', '--aht', '4m', '--hours', '7-23', '--json');
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out) as StaffingPlan;
  assert.deepEqual(plan.rows.map((x) => [x.from, x.to, x.formula.seats]), [[7, 19, 4]]);
  const rates = Array.from({ length: 24 }, (_, h) => (h === 8 || h === 17 ? 24 : h >= 7 && h < 19 ? 12 : 0));
  const p2 = JSON.parse((await run('--city', 'harbin', '--arrivals-per-hour', rates.join(','), '--aht', '5m', '--target', '80/20', '--json')).out) as StaffingPlan;
  assert.deepEqual(p2.rows.map((x) => [x.from, x.to, x.formula.seats]), [[7, 8, 3], [8, 9, 4], [9, 17, 3], [17, 18, 4], [18, 19, 3]]);
});

test('--simulate: the simulator beside the formula, same inputs through the API, a service level near Erlang C’s, progress on stderr', async () => {
  const r = await run('--city', 'kunming', '--arrivals-per-hour', '6', '--hours', '8-12', '--aht', '5m', '--target', '80/20', '--simulate', '--sim-cases', '40', '--json');
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out) as StaffingPlan;
  // The bar grows in tenths of the simulated period and ends full; stdout holds the answer alone.
  const bars = [...r.err.matchAll(/\[([#.]{10})\] (\d+) % of the period simulated, \d+ s elapsed/g)].map((m) => Number(m[2]));
  assert.ok(bars.length >= 2, r.err);
  assert.deepEqual(bars, [...bars].sort((a, b) => a - b), 'the bar only grows');
  assert.equal(bars.at(-1), 100);
  const [row] = plan.rows;
  assert.deepEqual([row!.from, row!.to, row!.formula.seats], [8, 12, 2]);
  assert.ok(plan.simulation!.calls >= 20, JSON.stringify(plan.simulation));
  assert.equal(row!.simulated!.calls, plan.simulation!.calls);
  // A small sample: only a sanity band here; the formula says 87 %.
  assert.ok(row!.simulated!.serviceLevel! >= 0.6, `simulated ${row!.simulated!.serviceLevel}`);
  assert.ok(row!.simulated!.asaSeconds! < 120, `ASA ${row!.simulated!.asaSeconds}`);
});

test('usage errors', async () => {
  for (const [args, message] of [
    [['--city', 'kunming'], /--arrivals-per-hour is required/],
    [['--city', 'kunming', '--arrivals-per-hour', '12', '--target', '80'], /--target: percent\/seconds/],
    [['--city', 'kunming', '--arrivals-per-hour', '1,2,3'], /one rate or 24/],
    [['--city', 'kunming', '--arrivals-per-hour', '12', '--hours', '19-7'], /--hours: from-to/],
    [['--city', 'kunming', '--arrivals-per-hour', '12', '--aht', 'long'], /--aht: not a duration/],
    [['--city', 'atlantis', '--arrivals-per-hour', '12'], /no city "atlantis"/],
    [['--city', 'kunming', '--arrivals-per-hour', '12', '--sim-cases', '40'], /--sim-cases sizes the simulation: add --simulate/],
    [['--city', 'kunming', '--arrivals-per-hour', '12', '--simulate', '--sim-cases', '2.5'], /--sim-cases: a whole number/],
  ] as const) {
    const r = await run(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.err, message);
  }
});

test('batch means: the standard error of a correlated series, none for a short one', () => {
  assert.equal(batchMeansError([1, 0, 1]), null);
  assert.equal(batchMeansError(Array(100).fill(1)), 0);
  const alternating = Array.from({ length: 100 }, (_, i) => (Math.floor(i / 10) % 2 ? 1 : 0)); // batches of 10: 0,1,0,1…
  assert.ok(Math.abs(batchMeansError(alternating)! - Math.sqrt((0.25 * 10) / 9 / 10)) < 1e-12);
});
