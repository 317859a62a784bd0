/**
 * fast-check arbitraries from JSON Schema: values the schema accepts (so requests get past
 * validation into the handlers and the database), and values it does not (a required member
 * dropped, a wrong type, a hostile leaf — NUL, lone surrogates, huge text, deep nesting).
 * Only the schema keywords the API's schemas use are understood; an unknown shape falls back
 * to `anything`, which is a valid fuzz input too.
 */
import fc from 'fast-check';
import type { Schema } from './openapi.ts';

type Resolve = (s: Schema) => Schema;

/** Values a route's real data would hold: the ids of the world's records, tenant and district names. */
export interface Hints { strings: Record<string, string[]> }

const FORMATS: Record<string, () => fc.Arbitrary<string>> = {
  uuid: () => fc.uuid(),
  'date-time': () => fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  uri: () => fc.webUrl(),
};

function stringOf(s: Schema, key: string | undefined, hints: Hints): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Math.max(min, 40);
  const hinted = key ? hints.strings[key] : undefined;
  let base: fc.Arbitrary<string>;
  if (s.format && FORMATS[s.format]) base = FORMATS[s.format]!();
  // Lengths only as declared (a default here could exclude every match: 64 hex digits, a filter of ≤ 40 → no end).
  else if (s.pattern) base = fc.stringMatching(new RegExp(s.pattern)).map((v) => (s.maxLength !== undefined ? v.slice(0, s.maxLength) : v)).map((v) => (v.length < min ? v.padEnd(min, v.at(-1) ?? 'a') : v));
  else base = fc.string({ minLength: min, maxLength: Math.min(max, 60), unit: fc.oneof(fc.constantFrom(...'中央大街黑A张伟李娜'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) });
  return hinted?.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hinted) }, { weight: 1, arbitrary: base }) : base;
}

/** Values `schema` accepts (most of the time: patterns joined with lengths, and formats, are approximated). */
export function valid(schema: Schema, resolve: Resolve, hints: Hints, key?: string, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (depth > 8) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.allOf?.length) return valid({ ...Object.assign({}, ...s.allOf.map(resolve)), allOf: undefined }, resolve, hints, key, depth + 1);
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => valid(a, resolve, hints, key, depth + 1)));
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ['object'] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => valid({ ...s, type }, resolve, hints, key, depth + 1)));
  const nullable = s.nullable ? (a: fc.Arbitrary<unknown>) => fc.option(a, { nil: null, freq: 8 }) : (a: fc.Arbitrary<unknown>) => a;
  switch (types[0]) {
    case 'string': return nullable(stringOf(s, key, hints));
    case 'integer': return nullable(fc.integer({ min: Math.ceil(s.minimum ?? s.exclusiveMinimum ?? -1000), max: Math.floor(s.maximum ?? s.exclusiveMaximum ?? 100_000) }));
    case 'number': return nullable(fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 100_000, noNaN: true, noDefaultInfinity: true }));
    case 'boolean': return nullable(fc.boolean());
    case 'null': return fc.constant(null);
    case 'array': {
      const items = s.items ? valid(s.items, resolve, hints, key, depth + 1) : fc.anything({ maxDepth: 1 });
      return nullable(fc.array(items, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 6) }));
    }
    case 'object': {
      const props = s.properties ?? {};
      const required = s.required ?? [];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries(props)) model[k] = valid(p, resolve, hints, k, depth + 1);
      return nullable(fc.record(model, { requiredKeys: required.filter((k) => k in props) }));
    }
    default: return fc.anything({ maxDepth: 2 });
  }
}

const short = fc.string({ maxLength: 12 });
/** A leaf no schema should let through to the database whole (and none may turn into a 5xx). */
export const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(short, short).map(([a, b]) => `${a}\u0000${b}`),
  fc.tuple(short, fc.integer({ min: 0xd800, max: 0xdfff })).map(([a, c]) => `${a}${String.fromCharCode(c)}`),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => '字'.repeat(n)),
  fc.constantFrom("' OR '1'='1", '"; DROP TABLE cases; --', '../../etc/passwd', '%00', '<script>alert(1)</script>', '${jndi:ldap://x}', '\\u0000', '__proto__', 'constructor'),
  fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})),
  fc.integer({ min: 20, max: 200 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown),
  fc.anything({ maxDepth: 3, withNullPrototype: true }),
);

/** Every path in a value (the whole, its members, theirs …). */
function paths(v: unknown, at: string[] = [], out: string[][] = []): string[][] {
  out.push(at);
  if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) paths(c, [...at, k], out);
  return out;
}

function setAt(v: unknown, at: string[], leaf: unknown, drop = false): unknown {
  if (at.length === 0) return leaf;
  const copy = structuredClone(v) as Record<string, unknown>;
  let o = copy;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (drop) delete o[at.at(-1)!];
  else o[at.at(-1)!] = leaf;
  return copy;
}

/** A valid value with one thing broken: a member dropped or replaced by a hostile leaf, or an unknown member added. */
export function invalid(schema: Schema, resolve: Resolve, hints: Hints): fc.Arbitrary<unknown> {
  return fc.tuple(valid(schema, resolve, hints), fc.nat(), hostileLeaf, fc.constantFrom('replace', 'drop', 'extra', 'whole'), short).map(([value, pick, leaf, how, extra]) => {
    const all = paths(value);
    const at = all[pick % all.length]!;
    if (how === 'whole') return leaf;
    if (how === 'extra' && value && typeof value === 'object' && !Array.isArray(value)) return { ...(value as object), [`x${extra}`]: leaf };
    if (how === 'drop' && at.length) return setAt(value, at, undefined, true);
    return setAt(value, at, leaf);
  });
}

/** Headers a client might send — or an attacker: broken cookies and tokens, odd types and encodings, forged forwarding. */
export const headerArb: fc.Arbitrary<Record<string, string>> = fc.record({
  accept: fc.constantFrom('application/json', 'text/html', '*/*', 'text/csv', 'application/pdf', ''),
  'accept-language': fc.constantFrom('zh-CN', 'en', 'xx', '*;q=0', ''),
  'x-csrf-token': fc.string({ maxLength: 40 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
  cookie: fc.constantFrom('kc_session=', 'kc_session=%00', 'kc_session=x; kc_session=y', 'a=b', 'kc_session=' + 'A'.repeat(5000)),
  'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'not-an-ip', '1.2.3.4, 5.6.7.8', '999.999.999.999'),
  'if-none-match': fc.constantFrom('*', '"x"', 'W/"y"'),
  range: fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=99999999-', 'bytes=a-b'),
}, { requiredKeys: [] });
