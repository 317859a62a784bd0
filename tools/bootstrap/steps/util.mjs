// Small helpers shared by the bootstrap steps.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : `missing:${f}`);
  return h.digest('hex');
}

/** A stamp is a file holding the hash of the inputs a step last completed for. */
export function stampMatches(stampFile, hash) {
  return existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash;
}

export function writeStamp(stampFile, hash) {
  mkdirSync(path.dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, `${hash}\n`);
}

export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Runs fn while holding a lock directory, so that bootstraps started side by side (several
 * `npm test` runs on one checkout) install and build once, one after another, instead of
 * running `npm ci` over each other. A lock left by a process that died is taken over.
 */
export async function withLock(lockDir, fn, log = () => {}) {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const owner = path.join(lockDir, 'pid');
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (!holderAlive(owner)) { rmSync(lockDir, { recursive: true, force: true }); continue; }
      if (!told) { log('another bootstrap is running on this checkout; waiting for it…'); told = true; }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function holderAlive(owner) {
  let pid;
  try { pid = Number(readFileSync(owner, 'utf8')); } catch { return true; } // being written
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
}
