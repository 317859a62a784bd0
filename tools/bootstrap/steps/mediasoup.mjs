// Media worker: makes sure the mediasoup-worker binary for the installed mediasoup is in the
// cache (~/.cache/kuaichu/mediasoup-worker/<version>-<recipehash>/, see docs/media-worker.md).
// Missing: plugins/media-mediasoup/build/build-worker.mjs downloads mediasoup's prebuilt worker
// or, without access to it, builds one from Debian's libraries (several minutes, once).
// Present: one stat and a hash of three small files.
import { existsSync } from 'node:fs';
// By path, not by package name: npm.mjs imports this module before `npm ci` has made node_modules.
import { buildWorker } from '../../../plugins/media-mediasoup/build/build-worker.mjs';
import { cachedWorkerPath, mediasoupDir } from '../../../plugins/media-mediasoup/build/worker-path.mjs';

/**
 * The worker binary the project uses: MEDIASOUP_WORKER_BIN when set, else the cached build for
 * the mediasoup version in node_modules (or, before `npm ci`, in package-lock.json).
 * npm.mjs sets it for installs (so mediasoup's postinstall neither downloads nor builds) and the
 * server sets it at run time (plugins/media-mediasoup/src/worker.ts).
 */
export function mediasoupWorkerBin(_root) {
  return process.env.MEDIASOUP_WORKER_BIN || cachedWorkerPath();
}

export async function mediasoupWorker({ root, log }) {
  const bin = mediasoupWorkerBin(root);
  if (bin && existsSync(bin)) return;
  if (process.env.MEDIASOUP_WORKER_BIN) {
    throw new Error(`MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN} does not exist; unset it to build the worker`);
  }
  if (!mediasoupDir()) throw new Error('mediasoup is not installed in node_modules');
  log('mediasoup worker binary missing; getting it once (cached outside node_modules)…');
  await buildWorker({ log: (msg) => log(msg) });
}
