/**
 * Erlang C against values worked out by hand and from the literature, and against the
 * textbook formula summed term by term (a different algorithm) over a range of loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erlang, erlangB, erlangC, seatsFor } from '../src/staffing/erlangC.ts';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

/** C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), terms built one from the last. */
function textbook(n: number, a: number): number {
  let term = 1;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const top = ((term * a) / n) * (n / (n - a));
  return top / (sum + top);
}

test('A = 2 Erlangs, N = 3 seats: P(wait) = 4/9 (by hand: B(3) = 4/19, C = 3B / (3 − 2(1 − B)))', () => {
  close(erlangB(3, 2), 4 / 19, 1e-12, 'Erlang B');
  close(erlangC(3, 2), 4 / 9, 1e-12, 'Erlang C');
  close(erlangC(3, 2), 0.4444, 5e-5, 'Erlang C, 4 places');
});

test('100 calls in 30 min, AHT 180 s (A = 10): 14 seats for 80/20 — P(wait) 17.41 %, SL 88.8 %, ASA 7.8 s; 13 seats give 79.6 %', () => {
  const input = { arrivalsPerHour: 200, ahtSeconds: 180 };
  const r = seatsFor(input, { share: 0.8, seconds: 20 });
  assert.equal(r.erlangs, 10);
  assert.equal(r.seats, 14);
  close(r.probabilityOfWaiting, 0.1741, 5e-5, 'P(wait)');
  close(r.serviceLevel, 0.8884, 5e-5, 'service level');
  close(r.asaSeconds, 7.84, 0.01, 'ASA');
  close(r.occupancy, 10 / 14, 1e-12, 'occupancy');
  close(erlang(input, 13, 20).serviceLevel, 0.7956, 5e-5, '13 seats');
});

test('360 calls an hour, AHT 240 s (A = 24): 29 seats for 80/20 (28 give 76.1 %)', () => {
  const input = { arrivalsPerHour: 360, ahtSeconds: 240 };
  assert.equal(seatsFor(input, { share: 0.8, seconds: 20 }).seats, 29);
  close(erlang(input, 28, 20).serviceLevel, 0.7613, 5e-5, '28 seats');
  close(erlang(input, 29, 20).serviceLevel, 0.8403, 5e-5, '29 seats');
  close(erlang(input, 30, 20).probabilityOfWaiting, 0.1729, 5e-5, 'P(wait), 30 seats');
});

test('the recurrence equals the textbook sum, and stays finite where A^N/N! overflows', () => {
  for (const a of [0.1, 0.5, 1, 2.5, 7, 24, 60, 150]) {
    for (let n = Math.floor(a) + 1; n <= Math.floor(a) + 25; n++) close(erlangC(n, a), textbook(n, a), 1e-9, `C(${n}, ${a})`);
  }
  const big = erlangC(2000, 1900); // 1900^2000 / 2000! is far outside a double
  assert.ok(big > 0 && big < 1, String(big));
  assert.equal(seatsFor({ arrivalsPerHour: 22_800, ahtSeconds: 300 }, { share: 0.8, seconds: 20 }).seats > 1900, true);
});

test('edges: no calls need no seats; N ≤ A never serves; inputs are checked', () => {
  assert.equal(seatsFor({ arrivalsPerHour: 0, ahtSeconds: 300 }, { share: 0.8, seconds: 20 }).seats, 0);
  assert.equal(seatsFor({ arrivalsPerHour: 0, ahtSeconds: 300 }, { share: 0.8, seconds: 20 }, 1).seats, 1, 'a minimum is kept');
  const overloaded = erlang({ arrivalsPerHour: 24, ahtSeconds: 300 }, 2, 20);
  assert.deepEqual([overloaded.probabilityOfWaiting, overloaded.serviceLevel, overloaded.asaSeconds, overloaded.occupancy], [1, 0, Infinity, 1]);
  // Kunming's pilot-sized load: 12 an hour at 5 minutes is one Erlang; 3 seats answer 92 % within 20 s.
  const kunming = seatsFor({ arrivalsPerHour: 12, ahtSeconds: 300 }, { share: 0.8, seconds: 20 });
  assert.deepEqual([kunming.erlangs, kunming.seats], [1, 3]);
  close(kunming.probabilityOfWaiting, 1 / 11, 1e-12, 'C(3, 1) = 1/11');
  assert.throws(() => erlangB(2.5, 1), RangeError);
  assert.throws(() => seatsFor({ arrivalsPerHour: 12, ahtSeconds: 0 }, { share: 0.8, seconds: 20 }), RangeError);
  assert.throws(() => seatsFor({ arrivalsPerHour: 12, ahtSeconds: 300 }, { share: 1, seconds: 20 }), RangeError);
});
