// Where the mediasoup worker binary lives: a cache outside node_modules, keyed by the installed
// mediasoup version and a hash of the build recipe (build-worker.mjs and compat/), so that
// `npm ci` never loses it and a change to the recipe gets a fresh build.
//
//   ${XDG_CACHE_HOME:-~/.cache}/kuaichu/mediasoup-worker/<version>-<recipehash>/mediasoup-worker
//
// Plain dependency-free ESM: used by the bootstrap (before any TypeScript runs), by
// build-worker.mjs and by src/worker.ts at run time.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILD_DIR = path.dirname(fileURLToPath(import.meta.url));
export const PLUGIN_DIR = path.dirname(BUILD_DIR);
const REPO_ROOT = path.resolve(PLUGIN_DIR, '../..');

/** Files whose content defines the build; changing any of them changes the cache key. */
export function recipeFiles() {
  const out = [path.join(BUILD_DIR, 'build-worker.mjs')];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(full);
    }
  };
  walk(path.join(BUILD_DIR, 'compat'));
  return out;
}

/** First 12 hex digits of sha256 over the recipe files (names and contents). */
export function recipeHash() {
  const h = createHash('sha256');
  for (const f of recipeFiles()) {
    h.update(path.relative(BUILD_DIR, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 12);
}

/** The installed mediasoup package folder (the plugin's own node_modules or the hoisted one). */
export function mediasoupDir() {
  for (const base of [PLUGIN_DIR, REPO_ROOT]) {
    const dir = path.join(base, 'node_modules', 'mediasoup');
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return null;
}

/** The installed mediasoup version; before `npm ci` (nothing installed yet), the locked one. */
export function mediasoupVersion() {
  const dir = mediasoupDir();
  if (dir) return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  try {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
    const entry = lock.packages?.['plugins/media-mediasoup/node_modules/mediasoup'] ?? lock.packages?.['node_modules/mediasoup'];
    return entry?.version ?? null;
  } catch {
    return null;
  }
}

/** ${XDG_CACHE_HOME:-~/.cache}/kuaichu/mediasoup-worker */
export function workerCacheRoot() {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'kuaichu', 'mediasoup-worker');
}

/** `<version>-<recipehash>`, or null when mediasoup is not installed. */
export function workerCacheKey() {
  const version = mediasoupVersion();
  return version ? `${version}-${recipeHash()}` : null;
}

/** Absolute path of the cached worker binary for the installed mediasoup (it may not exist yet). */
export function cachedWorkerPath() {
  const key = workerCacheKey();
  return key ? path.join(workerCacheRoot(), key, 'mediasoup-worker') : null;
}
