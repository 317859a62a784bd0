/**
 * Memory of launch tokens already used, so a replayed token is refused. `claim` is synchronous
 * because the channel port's verifyToken is; it returns true only for the first use of an id.
 *
 * - MemoryUsedTokens: one process (development, tests).
 * - FileUsedTokens: every process that shares the directory (one host, or a shared volume):
 *   the claim is an exclusive create (O_CREAT|O_EXCL), which the kernel makes atomic. Files
 *   are named by a hash of tenant and id, hold the expiry, and are swept once expired.
 * With several hosts and no shared volume, core's database is the place (a table with a
 * primary key on (tenant, jti), see docs/integrations.md#wechat); that needs an async port.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Claims are kept this long past expiry, so a process whose clock lags still finds them. */
export const KEEP_AFTER_EXPIRY_MS = 5 * 60_000;

export interface UsedTokenStore {
  /** True when this is the first use of (tenant, id); the memory may forget it after expiresAt. */
  claim(tenant: string, id: string, expiresAt: Date, now: Date): boolean;
}

export class MemoryUsedTokens implements UsedTokenStore {
  private readonly used = new Map<string, number>();
  private lastSweep = 0;

  claim(tenant: string, id: string, expiresAt: Date, now: Date): boolean {
    this.sweep(now.getTime());
    const key = `${tenant}\u0000${id}`;
    if (this.used.has(key)) return false;
    this.used.set(key, expiresAt.getTime());
    return true;
  }

  get size(): number {
    return this.used.size;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 60_000 && this.used.size < 10_000) return;
    this.lastSweep = nowMs;
    for (const [k, exp] of this.used) if (exp + KEEP_AFTER_EXPIRY_MS <= nowMs) this.used.delete(k);
  }
}

export class FileUsedTokens implements UsedTokenStore {
  private lastSweep = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  claim(tenant: string, id: string, expiresAt: Date, now: Date): boolean {
    this.sweep(now.getTime());
    const name = createHash('sha256').update(`${tenant}\u0000${id}`).digest('hex');
    let fd: number;
    try {
      fd = openSync(path.join(this.dir, name), 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    try {
      writeSync(fd, String(expiresAt.getTime()));
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /** Removes claims whose token has expired (a replay of those fails on expiry anyway). */
  sweep(nowMs: number, force = false): void {
    if (!force && nowMs - this.lastSweep < 60_000) return;
    this.lastSweep = nowMs;
    for (const name of readdirSync(this.dir)) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const file = path.join(this.dir, name);
      try {
        const exp = Number(readFileSync(file, 'utf8'));
        if (Number.isFinite(exp) && exp > 0 && exp + KEEP_AFTER_EXPIRY_MS <= nowMs) unlinkSync(file);
      } catch {
        // Swept by another process meanwhile, or being written: left for the next sweep.
      }
    }
  }
}
