/**
 * Hostile city profiles through the two doors a profile comes in by: the loader `kuaichu
 * validate` and the server use (compileProfile, file by file), and the publishing route
 * (POST /api/admin/profile/versions, as a city's admin). Alias bombs (billion laughs, also
 * through merge keys), deep nesting of flow and block collections, 10 MB of text, a million
 * keys' worth of lines, bad bytes, unknown tags. Each must be refused with a problem a person
 * can read (a line and column or a field), in bounded time and memory, and never be a 5xx.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileProfile, formatProblem } from '@kuaichu/core/profile';
import { citiesDir } from '@kuaichu/core/paths';
import { DEMO_PASSWORD, startTestCore } from '@kuaichu/testkit/core';

export interface YamlCase { name: string; outcome: string; ms: number; heapMb: number }
export interface YamlFigures { cases: YamlCase[]; failures: string[] }

const harbin = () => readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8');

/** The hostile texts, by name. */
export function hostileProfiles(): Array<{ name: string; text: string }> {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const merge = ['base: &b0 { k0: v }'];
  for (let i = 1; i <= 12; i++) merge.push(`m${i}: &b${i} { <<: [${Array(6).fill(`*b${i - 1}`).join(', ')}], k${i}: v }`);
  const blockDepth = 1_400;
  return [
    { name: 'billion laughs (9 levels of 9 aliases)', text: `${laughs.join('\n')}\ntenant: harbin\n` },
    { name: 'alias bomb through merge keys', text: `${merge.join('\n')}\ntenant: harbin\n` },
    { name: 'flow nesting 100 000 deep', text: `tenant: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n` },
    { name: 'block nesting 1 400 deep (under 1 MB)', text: Array.from({ length: blockDepth }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n' },
    { name: '10 MB: the Harbin profile and a 10 MB comment', text: `${harbin()}\n# ${'注'.repeat(3_500_000)}\n` },
    { name: '10 MB: one string value', text: harbin().replace(/^bureau:.*$/m, `bureau: { zh: "${'局'.repeat(3_500_000)}", en: x }`) },
    { name: 'a million lines of keys (10 MB)', text: Array.from({ length: 1_000_000 }, (_, i) => `k${i}: 1`).join('\n') },
    { name: '90 000 keys in one map (under 1 MB)', text: Array.from({ length: 90_000 }, (_, i) => `k${i}: 1`).join('\n') },
    { name: 'bad bytes: NUL, lone surrogate, BOM in the middle', text: `tenant: har\u0000bin\ncity: \ud800\n\ufeffprovince: x\n` },
    { name: 'unknown and language tags', text: `tenant: !!js/function "function(){ return process.exit(1) }"\nbureau: !<tag:yaml.org,2002:python/object/apply:os.system> ["id"]\n` },
    { name: 'duplicate keys', text: `${harbin()}\ntenant: kunming\n` },
  ];
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

export async function hostileYaml(): Promise<YamlFigures> {
  const cases: YamlCase[] = [];
  const failures: string[] = [];
  for (const { name, text } of hostileProfiles()) {
    const heap0 = heapMb();
    const t0 = performance.now();
    let outcome: string;
    try {
      const r = compileProfile(text, 'hostile.yaml', { citiesDir });
      if (r.ok) {
        outcome = 'accepted';
        failures.push(`${name}: accepted`);
      } else {
        const first = formatProblem(r.problems[0]!);
        outcome = `refused, ${r.problems.length} problem(s): ${first.slice(0, 140)}`;
        if (!/hostile\.yaml/.test(first)) failures.push(`${name}: the problem does not say where: ${first.slice(0, 200)}`);
      }
    } catch (err) {
      outcome = `threw ${(err as Error).name}: ${(err as Error).message.slice(0, 140)}`;
      failures.push(`${name}: the loader threw instead of reporting a problem (${outcome})`);
    }
    cases.push({ name, outcome, ms: Math.round(performance.now() - t0), heapMb: Math.max(0, Math.round(heapMb() - heap0)) });
  }

  // The publishing route: the same texts as a Harbin admin would upload them (the route takes 1 MB).
  const t = await startTestCore({ kind: 'pglite' });
  try {
    const login = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'admin', password: DEMO_PASSWORD } });
    const token = login.json().token as string;
    for (const { name, text } of hostileProfiles()) {
      const source = text.length > 1_000_000 ? text.slice(0, 999_000) : text;
      const t0 = performance.now();
      const r = await t.call('POST', '/api/admin/profile/versions', { token, body: { fileName: 'hostile.yaml', source, activate: false } });
      const outcome = `publish route: ${r.statusCode} ${r.statusCode >= 400 ? r.json().error?.code : ''}`;
      cases.push({ name: `${name} (route, ≤ 1 MB)`, outcome, ms: Math.round(performance.now() - t0), heapMb: 0 });
      if (r.statusCode >= 500) failures.push(`${name}: the publishing route answered ${r.statusCode} ${r.body.slice(0, 200)}`);
      else if (r.statusCode < 400) failures.push(`${name}: the publishing route accepted it`);
    }
  } finally {
    await t.close();
  }
  return { cases, failures };
}
