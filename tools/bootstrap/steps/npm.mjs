// npm dependencies: `npm ci` whenever package-lock.json differs from what node_modules was installed from.
// Only the lock counts: it holds every workspace's dependency ranges, so a script line edited in a
// package.json installs nothing (npm ci refuses a package.json out of step with the lock anyway).
import path from 'node:path';
import { existsSync } from 'node:fs';
import { hashFiles, stampMatches, writeStamp, sh } from './util.mjs';
import { mediasoupWorkerBin } from './mediasoup.mjs';

export async function npmDependencies({ root, log }) {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules/.kuaichu-installed');
  const hash = hashFiles([lock]);
  if (existsSync(path.join(root, 'node_modules')) && stampMatches(stamp, hash)) return;
  log('installing npm dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Playwright drives Debian's Chromium (playwright.config.ts): never download a browser.
  // onnxruntime-node (plate OCR) ships its linux-x64 binary in the npm package; its install
  // script would download a CUDA/extra build from outside the registry and fail offline.
  sh(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, env: { ...process.env, ...workerEnv(root), PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  writeStamp(stamp, hash);
}

/**
 * Environment for installs. MEDIASOUP_WORKER_BIN (the cached worker path, which need not exist
 * yet) makes mediasoup's postinstall skip its download-or-build; npm 11 skips unapproved install
 * scripts anyway, npm 10 would run it. The media worker step fills the cache afterwards.
 */
function workerEnv(root) {
  const bin = mediasoupWorkerBin(root);
  return bin ? { MEDIASOUP_WORKER_BIN: bin } : {};
}
