// Web build: the Svelte apps in web/ are built by Vite into web/dist, which the core serves.
// Rebuilt only when a source of the build changed (the apps, the media client they bundle,
// the generated types, the lock file); otherwise one hash over a few hundred small files.
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { hashFiles, sh, stampMatches, writeStamp } from './util.mjs';

function listFiles(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) listFiles(full, out);
    else out.push(full);
  }
  return out;
}

export async function webBuild({ root, log }) {
  const web = path.join(root, 'web');
  const inputs = [
    ...listFiles(web),
    ...listFiles(path.join(root, 'plugins/media-mediasoup/src/client')),
    path.join(root, 'core/src/generated/types.ts'),
    path.join(root, 'package-lock.json'),
  ];
  const hash = hashFiles(inputs) + inputs.length;
  const stamp = path.join(web, 'dist', '.build-stamp');
  if (stampMatches(stamp, hash) && existsSync(path.join(web, 'dist', 'index.html'))) return;
  log('building the web apps (vite)…');
  // vite's exports hide bin/; find the package the way Node would, from web/ upwards.
  const viteDir = [path.join(web, 'node_modules/vite'), path.join(root, 'node_modules/vite')].find((d) => existsSync(d));
  if (!viteDir) throw new Error('vite is not installed (npm ci should have installed it)');
  const vite = path.join(viteDir, 'bin/vite.js');
  sh(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: web });
  writeStamp(stamp, hash);
}
