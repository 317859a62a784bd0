/**
 * Erlang C (M/M/N): the queue of a call centre with N seats, Poisson arrivals, exponential
 * handling times and callers who wait as long as it takes. The classic staffing formula:
 * seats needed so that a share of calls is answered within a time.
 *
 * Computed with the Erlang B recurrence B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)) and
 * C = N·B / (N − A·(1 − B)): every step stays between 0 and 1, so it is exact to the last bit
 * for thousands of seats, where A^N/N! would overflow a double beyond N ≈ 170.
 */

export interface ErlangInput {
  /** Calls per hour. */
  arrivalsPerHour: number;
  /** Mean handling time (s): answer → the seat is free again. */
  ahtSeconds: number;
}

export interface ErlangResult {
  seats: number;
  /** Offered load A = λ·AHT in Erlangs. */
  erlangs: number;
  /** P(a call has to wait) = C(N, A). */
  probabilityOfWaiting: number;
  /** Share answered within the target time. */
  serviceLevel: number;
  /** Average speed of answer (s), over all calls. */
  asaSeconds: number;
  /** A / N: the share of time the seats spend on calls. */
  occupancy: number;
}

/** Erlang B: the blocking probability of N servers offered A Erlangs. */
export function erlangB(seats: number, erlangs: number): number {
  checkSeats(seats);
  if (!(erlangs >= 0)) throw new RangeError(`offered load must be ≥ 0, not ${erlangs}`);
  let b = 1;
  for (let n = 1; n <= seats; n++) b = (erlangs * b) / (n + erlangs * b);
  return b;
}

/** Erlang C: P(wait) with N seats and A Erlangs; 1 when N ≤ A (the queue grows without end). */
export function erlangC(seats: number, erlangs: number): number {
  if (erlangs === 0) return 0;
  if (seats <= erlangs) return 1;
  const b = erlangB(seats, erlangs);
  return (seats * b) / (seats - erlangs * (1 - b));
}

/** The queue's figures with `seats` seats; `targetSeconds` is the service level's answer time. */
export function erlang(input: ErlangInput, seats: number, targetSeconds: number): ErlangResult {
  const a = offeredLoad(input);
  const c = erlangC(seats, a);
  const stable = seats > a;
  return {
    seats,
    erlangs: a,
    probabilityOfWaiting: c,
    serviceLevel: a === 0 ? 1 : stable ? 1 - c * Math.exp((-(seats - a) * targetSeconds) / input.ahtSeconds) : 0,
    asaSeconds: a === 0 ? 0 : stable ? (c * input.ahtSeconds) / (seats - a) : Infinity,
    occupancy: seats > 0 ? Math.min(1, a / seats) : 1,
  };
}

/** The fewest seats (at least `minSeats`) that answer `share` of calls within `targetSeconds`. */
export function seatsFor(input: ErlangInput, target: { share: number; seconds: number }, minSeats = 0): ErlangResult {
  if (!(target.share > 0 && target.share < 1)) throw new RangeError(`the target share must be between 0 and 1, not ${target.share}`);
  const a = offeredLoad(input);
  let n = Math.max(minSeats, a === 0 ? 0 : Math.floor(a) + 1);
  for (;;) {
    const r = erlang(input, n, target.seconds);
    if (r.serviceLevel >= target.share) return r;
    n++;
  }
}

export function offeredLoad({ arrivalsPerHour, ahtSeconds }: ErlangInput): number {
  if (!(arrivalsPerHour >= 0) || !Number.isFinite(arrivalsPerHour)) throw new RangeError(`arrivals per hour must be ≥ 0, not ${arrivalsPerHour}`);
  if (!(ahtSeconds > 0) || !Number.isFinite(ahtSeconds)) throw new RangeError(`the handling time must be > 0 s, not ${ahtSeconds}`);
  return (arrivalsPerHour * ahtSeconds) / 3600;
}

function checkSeats(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`seats must be a whole number ≥ 0, not ${n}`);
}
