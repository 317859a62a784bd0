/**
 * Every rule that depends on "now" takes a Clock, so tests and simulations set the time.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a time: ${String(at)}`);
  return { now: () => new Date(d.getTime()) };
}

/** A clock a test can move forward. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(at: Date | string) {
    this.#ms = new Date(at).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
  set(at: Date | string): void {
    this.#ms = new Date(at).getTime();
  }
}
