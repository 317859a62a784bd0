// Every visible string goes through the one i18n table: each key used by a screen exists,
// each entry has both languages, and no section silently overrides another's key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Messages } from '../src/i18n/types.ts';

const src = path.resolve(import.meta.dirname, '../src');
const sections = ['common', 'party', 'photo', 'seat', 'officer', 'admin', 'dashboard', 'verify', 'supervisor', 'aftercare', 'room', 'errors'];

async function loadSections(): Promise<Record<string, Messages>> {
  const out: Record<string, Messages> = {};
  for (const s of sections) out[s] = ((await import(`../src/i18n/${s}.ts`)) as { default: Messages }).default;
  return out;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'i18n') sourceFiles(full, out);
    } else if (/\.(svelte|ts)$/.test(name)) out.push(full);
  }
  return out;
}

test('each entry has Chinese and English text, and keys are unique across sections', async () => {
  const all = await loadSections();
  const owner = new Map<string, string>();
  for (const [section, messages] of Object.entries(all)) {
    for (const [key, entry] of Object.entries(messages)) {
      assert.ok(!owner.has(key), `"${key}" is defined in both ${owner.get(key)} and ${section}`);
      owner.set(key, section);
      assert.ok(entry.zh.trim(), `"${key}" has no Chinese text`);
      assert.ok(entry.en.trim(), `"${key}" has no English text`);
      const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
      assert.equal(params(entry.zh), params(entry.en), `"${key}": the two languages use different {placeholders}`);
    }
  }
  assert.ok(owner.size > 20);
});

test('every literal key a screen asks for is in the table', async () => {
  const all = await loadSections();
  const keys = new Set(Object.values(all).flatMap((m) => Object.keys(m)));
  const missing: string[] = [];
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
      if (!keys.has(m[1]!)) missing.push(`${path.relative(src, file)}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every case event has a line on the party’s and the officer’s timeline', async () => {
  // The timelines print `party.event.<type>` / `officer.event.<type>`: an event without one shows its raw key.
  const envelope = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../schemas/events/envelope.schema.json'), 'utf8')) as { properties: { type: { enum: string[] } } };
  const all = await loadSections();
  const types = envelope.properties.type.enum;
  assert.ok(types.includes('mediation.agreed'));
  const missing = types.flatMap((type) => (['party', 'officer'] as const).map((section) => [section, `${section}.event.${type}`] as const))
    .filter(([section, key]) => !(key in all[section]!)).map(([, key]) => key);
  assert.deepEqual(missing, []);
});
