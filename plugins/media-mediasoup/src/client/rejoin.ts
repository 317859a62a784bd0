// When a client should join its case's room again by itself, and how long it waits first. A socket
// that closes without the server saying why (1006: the server process died, the network went) or
// because the process is shutting down (1012) is rejoined: the balancer sends the new socket to a
// process that is alive, which opens the case's room again (same case, same seat). The codes the
// server closes with on purpose (4000 call ended, 4001 replaced, 4002 removed, 4401/4403/4404 not
// allowed, 4409 no call, 4429 room full) are final: rejoining would not change the answer.
import { SignalingError } from './signaling.ts';

/** Close codes after which rejoining is pointless: the server said what happened. */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([4000, 4001, 4002, 4400, 4401, 4403, 4404, 4409, 4429]);

/** A socket closed with `code` (or a join that failed with `err`) is worth another try. */
export function rejoinable(codeOrError: number | unknown): boolean {
  if (typeof codeOrError === 'number') return !FINAL_CLOSE_CODES.has(codeOrError);
  if (codeOrError instanceof SignalingError) {
    const m = /^WS_(\d+)$/.exec(codeOrError.code);
    if (m) return !FINAL_CLOSE_CODES.has(Number(m[1]));
    return codeOrError.code === 'TIMEOUT' || codeOrError.code === 'KC_UNAVAILABLE';
  }
  // A failure below the socket (ICE/DTLS on a transport that died with its server): worth another try.
  return codeOrError instanceof Error && !/camera|permission|NotAllowed|NotFound/i.test(codeOrError.message);
}

/** Tries before giving up (about 40 s in all with rejoinDelay): longer than a balancer needs to see a process gone. */
export const REJOIN_ATTEMPTS = 8;

/** Exponential backoff with jitter: 0.5, 1, 2, 4, 8, 8 … s (±20 %), so clients of many calls do not come back at once. */
export function rejoinDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(8000, 500 * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}
