/**
 * Per-account backoff for staff sign-in, counted in the database so every server process sees
 * the same count. The first wrong passwords cost nothing; the LOCK_AT-th locks the account for
 * a minute, and each one after that lock for twice as long as the last (2, 4 … at most an
 * hour). While
 * locked, even the right password is refused, without being checked. A success, an admin's
 * unlock, or a day without failures clears the count.
 *
 * Counted per account name whether or not the account exists, so a lock tells nothing about
 * which names are real. The price is that anyone can lock a known name for a while: the lock is
 * temporary, an admin can lift it, and the per-client rate limit bounds how fast one client
 * can push it up (routes/sessions.ts).
 */
import type { Db } from '../db/db.ts';
import { forTenant } from '../db/tenantDb.ts';
import { loginThrottlesRepo } from '../persistence/loginThrottles.ts';
import { audit } from './audit.ts';

export const LOCK_AT = 5;
const BASE_LOCK_MS = 60_000;
const MAX_LOCK_MS = 3600_000;
const FORGET_MS = 24 * 3600_000;

export function lockMs(failures: number): number {
  return failures < LOCK_AT ? 0 : Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (failures - LOCK_AT));
}

/** Milliseconds the account stays locked (0: not locked). */
export async function lockRemainingMs(db: Db, tenant: string, username: string, now: Date): Promise<number> {
  const until = await loginThrottlesRepo.lockedUntil(forTenant(db, tenant), username);
  return until ? Math.max(0, until.getTime() - now.getTime()) : 0;
}

/** Counts a wrong password; returns how long the account is now locked (0: not yet). */
export async function recordFailure(db: Db, tenant: string, username: string, now: Date): Promise<number> {
  return forTenant(db, tenant).tx(async (q) => {
    const failures = await loginThrottlesRepo.countFailure(q, username, now, new Date(now.getTime() - FORGET_MS));
    const ms = lockMs(failures);
    if (ms > 0) {
      await loginThrottlesRepo.lock(q, username, new Date(now.getTime() + ms));
      await audit(q, { tenant, at: now, actor: null, action: 'staff.locked', subject: username, details: { failures, lockSeconds: ms / 1000 } });
    }
    return ms;
  });
}

export async function clearFailures(db: Db, tenant: string, username: string): Promise<void> {
  await loginThrottlesRepo.clear(forTenant(db, tenant), username);
}

/** An admin lifts a lock (and forgets the failures); audited whether or not a lock was on. */
export async function unlockAccount(db: Db, tenant: string, username: string, actor: string, now: Date): Promise<{ wasLocked: boolean; failures: number }> {
  return forTenant(db, tenant).tx(async (q) => {
    const row = await loginThrottlesRepo.clear(q, username);
    const wasLocked = !!row?.locked_until && new Date(row.locked_until) > now;
    const failures = row?.failures ?? 0;
    await audit(q, { tenant, at: now, actor, action: 'staff.unlocked', subject: username, details: { wasLocked, failures } });
    return { wasLocked, failures };
  });
}

/** Accounts locked now, for the admin. */
export async function lockedAccounts(db: Db, tenant: string, now: Date): Promise<Array<{ username: string; failures: number; lockedUntil: Date }>> {
  const rows = await loginThrottlesRepo.lockedAt(forTenant(db, tenant), now);
  return rows.map((r) => ({ username: r.username, failures: r.failures, lockedUntil: new Date(r.locked_until) }));
}
