#!/usr/bin/env node
// Bootstrap for `npm start` and `npm test`: brings a fresh clone on a fresh Debian machine
// to a runnable state, and does nothing when it already is. Plain JavaScript with no
// dependencies, because it runs before node_modules exists.
//
// Each step decides for itself whether it has work to do (stamp files keyed by content
// hashes), so running it twice costs a few milliseconds.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemPackages } from './steps/system.mjs';
import { npmDependencies } from './steps/npm.mjs';
import { mediasoupWorker } from './steps/mediasoup.mjs';
import { webBuild } from './steps/web.mjs';
import { withLock } from './steps/util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const purpose = process.argv[2] ?? 'start'; // 'start' | 'test'

/** Steps in order. */
const steps = [systemPackages, npmDependencies, mediasoupWorker, webBuild];

const started = Date.now();
const log = (msg) => console.log(`[bootstrap] ${msg}`);
await withLock(path.join(root, '.cache/bootstrap.lock'), async () => {
  for (const step of steps) {
    try {
      await step({ root, purpose, log });
    } catch (err) {
      console.error(`[bootstrap] ${step.name} failed: ${err instanceof Error ? err.message : err}`);
      process.exitCode = 1;
      return;
    }
  }
}, log);
if (process.exitCode) process.exit();
if (Date.now() - started > 1000) console.log(`[bootstrap] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
