// Every error code is created once, in the catalogue (core/src/errors.ts), and docs/errors.md
// says what each means: the page is regenerated from the catalogue and the i18n sentences, and
// a scan of the sources finds no code made anywhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Errors } from '@kuaichu/core/errors';
import { ERRORS_DOC, renderErrorsDoc } from '../scripts/errorsDoc.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CATALOGUE = path.join(root, 'core/src/errors.ts');
const catalogued = new Set<string>(Object.values(Errors).map((e) => e.code));

function files(dir: string, skip: (dir: string) => boolean, out: string[] = []): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return out;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'node_modules' && name !== 'generated' && !skip(full)) files(full, skip, out);
    } else if (/\.(ts|svelte)$/.test(name)) out.push(full);
  }
  return out;
}

/** Each quoted 'KC_…' literal in the files, as `code (file:line)`. */
function literals(paths: string[]): Array<{ code: string; at: string }> {
  return paths.flatMap((file) => readFileSync(file, 'utf8').split('\n').flatMap((line, i) =>
    [...line.matchAll(/['"`](KC_[A-Z0-9_]+)['"`]/g)].map((m) => ({ code: m[1]!, at: `${path.relative(root, file)}:${i + 1}` }))));
}

const pluginDirs = () => readdirSync(path.join(root, 'plugins')).map((p) => path.join(root, 'plugins', p, 'src'));
const isBrowserCode = (dir: string) => path.basename(dir) === 'client';

test('docs/errors.md is what the catalogue and the i18n sentences make it (npm run docs:errors)', () => {
  assert.equal(readFileSync(ERRORS_DOC, 'utf8'), renderErrorsDoc(), 'docs/errors.md is stale: run `npm run docs:errors`');
  assert.ok(catalogued.has('KC_DOCUMENT_NOT_FOUND') && catalogued.has('KC_INTERNAL') && catalogued.has('KC_BODY_TOO_LARGE'));
});

test('the server makes no error code outside the catalogue', () => {
  const server = [path.join(root, 'core/src'), ...pluginDirs()].flatMap((dir) => files(dir, isBrowserCode)).filter((f) => f !== CATALOGUE);
  assert.ok(server.length > 100, `scanned ${server.length} files`);
  const outside = literals(server);
  assert.deepEqual(outside.map((l) => `${l.code} (${l.at})`), [], 'use Errors.<name> from core/src/errors.ts');
  // The scan does see a code written as a literal: the catalogue itself has them all.
  assert.equal(new Set(literals([CATALOGUE]).map((l) => l.code)).size, catalogued.size);
});

test('the tools read only codes the catalogue declares; the browser makes only its own, each documented', () => {
  const tools = literals(files(path.join(root, 'tools/src'), () => false));
  assert.deepEqual(tools.filter((l) => !catalogued.has(l.code)).map((l) => `${l.code} (${l.at})`), []);
  const browser = literals([
    ...files(path.join(root, 'web/src'), () => false),
    ...pluginDirs().flatMap((dir) => files(path.join(dir, 'client'), () => false)),
  ]);
  assert.ok(browser.some((l) => l.code === 'KC_OFFLINE'));
  const doc = readFileSync(ERRORS_DOC, 'utf8');
  const undocumented = browser.filter((l) => !doc.includes(`| \`${l.code}\` |`)).map((l) => `${l.code} (${l.at})`);
  assert.deepEqual(undocumented, [], 'a code the browser makes needs a sentence in web/src/i18n/errors.ts, then `npm run docs:errors`');
});
