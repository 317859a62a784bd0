#!/usr/bin/env node
// Runs every test: the type check, then node:test over every *.test.ts of the workspaces.
// Then the end-to-end suite: Playwright (playwright.config.ts) against the real server in
// Debian's Chromium, so `npm test` stays the one command.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const roots = ['core', 'tools', 'plugins', 'web'];

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out;
}

function run(label, cmd, args) {
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`✖ ${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Like run(), but returns the exit status instead of exiting. */
function attempt(label, cmd, args) {
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) console.error(`✖ ${label} failed (exit ${r.status ?? r.signal})`);
  return r.status ?? 1;
}

// A filter for local work: `npm test -- core/test/policy` runs only matching files;
// `npm test -- e2e/party` only those end-to-end specs.
const filters = process.argv.slice(2);
const unitFilters = filters.filter((f) => !f.startsWith('e2e'));
const e2eFilters = filters.filter((f) => f.startsWith('e2e'));
const files = roots.flatMap((r) => findTests(path.join(root, r))).sort()
  .filter((f) => unitFilters.length > 0 ? unitFilters.some((p) => f.includes(p)) : e2eFilters.length === 0);

// Browser code (DOM library) is checked as its own projects; the root tsconfig excludes it.
const browserProjects = ['plugins/media-mediasoup/src/client/tsconfig.json', 'e2e/tsconfig.json'];
if (filters.length === 0) {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  run('type check (tsc --noEmit)', process.execPath, [tsc, '-p', 'tsconfig.json']);
  for (const p of browserProjects) run(`type check, browser code (${p})`, process.execPath, [tsc, '-p', p]);
  run('type check, web apps (svelte-check)', process.execPath, [
    path.join(root, 'node_modules/svelte-check/bin/svelte-check'), '--workspace', 'web', '--tsconfig', 'tsconfig.json', '--threshold', 'warning', '--output', 'human',
  ]);
}
// Browser tests of the media plugin (*-browser.test.ts: up to six Chromium contexts encoding and
// decoding video) run one at a time after the rest: beside another test file on two cores their
// decoders were starved (CI: the room of six never decoded all five others).
const alone = files.filter((f) => f.endsWith('-browser.test.ts'));
const together = files.filter((f) => !alone.includes(f));
if (together.length) {
  run(`unit and integration tests (${together.length} files)`, process.execPath, [
    '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...together,
  ]);
}
if (alone.length) {
  run(`browser media tests, one at a time (${alone.length} files)`, process.execPath, [
    '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...alone,
  ]);
}
if (filters.length === 0 || e2eFilters.length > 0) {
  const playwright = path.join(root, 'node_modules/@playwright/test/cli.js');
  // The heaviest specs (project "alone": the cluster's PostgreSQL, Kafka, ClickHouse, nginx and three
  // servers; the room of six browsers) run one at a time after the others, with their own results
  // folder; both runs report before a failure exits.
  const others = attempt('end-to-end tests (Playwright, Debian Chromium)', process.execPath, [
    playwright, 'test', '--project=chromium', '--project=plate-camera', '--pass-with-no-tests', ...e2eFilters,
  ]);
  const cluster = attempt('end-to-end heaviest specs, one at a time (Playwright)', process.execPath, [
    playwright, 'test', '--project=alone', '--workers=1', '--pass-with-no-tests', '--reporter=list', '--output=test-results/alone', ...e2eFilters,
  ]);
  if (others !== 0 || cluster !== 0) process.exit(others || cluster);
}
