/**
 * Where the repository's data folders are. The core runs from source (tsx), so the
 * folders are found relative to this file, never from the process's working directory.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const schemasDir = path.join(repoRoot, 'schemas');
export const citiesDir = path.join(repoRoot, 'cities');
/** The built web apps (tools/bootstrap builds them; KUAICHU_WEB_DIR serves another build). */
export const webDistDir = process.env.KUAICHU_WEB_DIR ?? path.join(repoRoot, 'web/dist');
export const generatedDir = path.join(repoRoot, 'core/src/generated');

/** Path relative to the repo root, for messages (`cities/harbin.yaml`). */
export function relativeToRepo(file: string): string {
  const rel = path.relative(repoRoot, file);
  return rel.startsWith('..') ? file : rel.split(path.sep).join('/');
}
