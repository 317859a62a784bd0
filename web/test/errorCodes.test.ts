// Every error code a screen can be given has a Chinese (and English) sentence of its own
// (web/src/i18n/errors.ts): the codes the core and the plugins send (declared in
// core/src/errors.ts, rendered by core/src/http/errors.ts, or answered inline), and the ones
// the browser makes up itself (offline, unreadable answer, a call's signalling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import errors from '../src/i18n/errors.ts';
import { Errors } from '@kuaichu/core/errors';

const root = path.resolve(import.meta.dirname, '../..');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'node_modules' && name !== 'generated') files(full, out);
    } else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** Every 'KC_…' string literal in the code that answers requests or runs in the browser. */
function codesInSources(): Map<string, string> {
  const dirs = [path.join(root, 'core/src'), path.join(root, 'web/src/lib'), ...readdirSync(path.join(root, 'plugins')).map((p) => path.join(root, 'plugins', p, 'src'))];
  const found = new Map<string, string>();
  for (const dir of dirs) {
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    for (const file of files(dir)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/['"`](KC_[A-Z0-9_]+)['"`]/g)) if (!found.has(m[1]!)) found.set(m[1]!, path.relative(root, file));
    }
  }
  return found;
}

test('every declared error (core/src/errors.ts) has a sentence in both languages', () => {
  const declared = Object.values(Errors).map((make) => make().code);
  assert.ok(declared.length > 15);
  const missing = declared.filter((code) => !(`error.${code}` in errors));
  assert.deepEqual(missing, [], 'add these to web/src/i18n/errors.ts');
});

test('every KC_* code anywhere in the server, the plugins or the web client has one', () => {
  const found = codesInSources();
  assert.ok(found.has('KC_INTERNAL') && found.has('KC_OFFLINE') && found.has('KC_FILE_TYPE'));
  const missing = [...found].filter(([code]) => !(`error.${code}` in errors)).map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(missing, [], 'add these to web/src/i18n/errors.ts');
});

test('the Chinese text is Chinese (no server message passed through), and no entry is for a code nobody sends', () => {
  const found = codesInSources();
  for (const [key, entry] of Object.entries(errors)) {
    assert.match(entry.zh, /\p{Script=Han}/u, `${key}: the Chinese text has no Chinese`);
    assert.doesNotMatch(`${entry.zh} ${entry.en}`, /\{message\}/, `${key}: the server's message is not for people`);
    const code = key.slice('error.'.length);
    if (code.startsWith('KC_')) assert.ok(found.has(code), `${key}: no code ${code} is sent any more`);
  }
});
