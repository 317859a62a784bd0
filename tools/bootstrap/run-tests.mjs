#!/usr/bin/env node
// Runs every test: the type check, then node:test over every *.test.ts of the workspaces.
// Later stages (Playwright end-to-end) are appended here so `npm test` stays the one command.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const roots = ['core', 'tools', 'plugins'];

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

// A filter for local work: `npm test -- core/test/policy` runs only matching files.
const filters = process.argv.slice(2);
const files = roots.flatMap((r) => findTests(path.join(root, r))).sort()
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));

// Browser code (DOM library) is checked as its own project; the root tsconfig excludes it.
const browserProjects = ['plugins/media-mediasoup/src/client/tsconfig.json'];
if (filters.length === 0) {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  run('type check (tsc --noEmit)', process.execPath, [tsc, '-p', 'tsconfig.json']);
  for (const p of browserProjects) run(`type check, browser code (${p})`, process.execPath, [tsc, '-p', p]);
}
run(`unit and integration tests (${files.length} files)`, process.execPath, [
  '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files,
]);
