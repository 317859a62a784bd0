/**
 * Waiting for a condition, never for a fixed time (issue 16): `until` checks again after every
 * turn of the event loop's timers until the check gives a value. What a test asserts is the
 * condition, not how fast it came: the limit is only a hang guard (generous, the same on every
 * machine) and its message names what never happened. A check may be async.
 */
import { setTimeout as tick } from 'node:timers/promises';

export interface UntilOptions {
  /** A hang guard, not a timing assertion (default 60 s). */
  hangGuardMs?: number;
  /** Stops waiting when aborted (node:test's `t.signal` ends with the test). */
  signal?: AbortSignal;
}

/** Resolves with the first value of `check` that is not undefined, null or false. */
export async function until<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, opts: UntilOptions = {}): Promise<T> {
  const guard = opts.hangGuardMs ?? 60_000;
  const started = performance.now();
  for (let polls = 0; ; polls++) {
    const v = await check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (opts.signal?.aborted) throw new Error(`stopped waiting for ${what}`);
    if (performance.now() - started > guard) throw new Error(`never happened (hang guard, ${polls} checks): ${what}`);
    // Short at first (most conditions hold within a few turns), then at most every 50 ms.
    await tick(Math.min(50, 1 + polls));
  }
}

/** A promise with its resolve, for conditions a callback announces (a delivery, a message). */
export function signal<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
