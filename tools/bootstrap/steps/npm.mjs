// npm dependencies: `npm ci` whenever package-lock.json differs from what node_modules was installed from.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { hashFiles, stampMatches, writeStamp, sh } from './util.mjs';

export async function npmDependencies({ root, log }) {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules/.kuaichu-installed');
  const hash = hashFiles([lock, path.join(root, 'package.json')]);
  if (existsSync(path.join(root, 'node_modules')) && stampMatches(stamp, hash)) return;
  log('installing npm dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  sh(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, env: { ...process.env, ...workerEnv(root) } });
  writeStamp(stamp, hash);
}

/** Environment for installs; the media worker step adds MEDIASOUP_WORKER_BIN here. */
function workerEnv() {
  return {};
}
