/**
 * The JSON Schemas in schemas/ are the single source of truth: this module loads every one
 * of them into one ajv instance (the validator fastify also uses), so profiles, reports,
 * plugin options and HTTP bodies are checked by the very files the types are generated from.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { schemasDir } from './paths.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type SchemaError = ErrorObject;

/** Every `*.schema.json` below schemas/, keyed by its `$id` (its path relative to schemas/). */
export function readSchemaFiles(dir = schemasDir): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.schema.json')) {
        const schema = JSON.parse(readFileSync(full, 'utf8')) as Record<string, unknown>;
        const id = path.relative(dir, full).split(path.sep).join('/');
        if (schema.$id !== id) throw new Error(`${full}: $id must be "${id}" (its path below schemas/)`);
        out.set(id, schema);
      }
    }
  };
  walk(dir);
  return out;
}

export interface SchemaRegistry {
  ajv: Ajv;
  /** Compiled validator for a schema id such as `city-profile.schema.json`. */
  validator(id: string): ValidateFunction;
  has(id: string): boolean;
  /** Plugin names that have an options schema in schemas/plugins/. */
  pluginNames(): string[];
}

/**
 * `useDefaults` fills in the defaults the schema declares, so code reading a validated
 * object sees one shape whether the author wrote the default or left it out.
 */
export function createSchemaRegistry(dir = schemasDir): SchemaRegistry {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, allowUnionTypes: true, verbose: true, strict: true });
  addFormats(ajv);
  // Annotations of our own: which port a plugin implements, and the wording of a pattern for error messages.
  ajv.addKeyword({ keyword: 'x-kuaichu-port', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  const files = readSchemaFiles(dir);
  for (const [, schema] of files) ajv.addSchema(schema);
  const cache = new Map<string, ValidateFunction>();
  return {
    ajv,
    validator(id) {
      let v = cache.get(id);
      if (!v) {
        v = ajv.getSchema(id);
        if (!v) throw new Error(`no schema ${id} in ${dir}`);
        cache.set(id, v);
      }
      return v;
    },
    has: (id) => files.has(id),
    pluginNames: () =>
      [...files.keys()].filter((id) => id.startsWith('plugins/')).map((id) => id.slice('plugins/'.length, -'.schema.json'.length)),
  };
}

let shared: SchemaRegistry | undefined;
/** The process-wide registry (schemas are read once). */
export function schemaRegistry(): SchemaRegistry {
  return (shared ??= createSchemaRegistry());
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * The schema `ref` (an id below schemas/, optionally with a JSON pointer: `http/case-view.schema.json`,
 * `city-profile.schema.json#/definitions/LocalText`) with every `$ref` replaced by a copy of its
 * target, recursively: one self-contained schema without `$id` or `definitions`.
 *
 * For fastify's response serializer: fast-json-stringify looks a `$ref` up by its literal text,
 * so the relative refs the schemas use between folders (`../decision.schema.json` in http/,
 * which ajv and the type generator resolve against the file) do not resolve there. Inlined, the
 * same schema serializes, and the OpenAPI page shows it whole.
 */
export function inlineSchema(ref: string, files: ReadonlyMap<string, Record<string, unknown>> = sharedFiles()): Record<string, unknown> {
  const resolve = (from: string, r: string): { id: string; pointer: string } => {
    const hash = r.indexOf('#');
    const file = hash === -1 ? r : r.slice(0, hash);
    const pointer = hash === -1 ? '' : r.slice(hash + 1);
    return { id: file ? path.posix.normalize(path.posix.join(path.posix.dirname(from), file)) : from, pointer };
  };
  const target = (id: string, pointer: string): Json => {
    const root = files.get(id);
    if (!root) throw new Error(`inlineSchema: no schema ${id}`);
    let node = root as Json;
    for (const part of pointer.split('/').filter(Boolean).map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'))) {
      node = node && typeof node === 'object' && !Array.isArray(node) ? (node[part] as Json) : undefined as never;
      if (node === undefined) throw new Error(`inlineSchema: ${id}#${pointer} does not exist`);
    }
    return node;
  };
  const inline = (node: Json, base: string, trail: readonly string[]): Json => {
    if (Array.isArray(node)) return node.map((n) => inline(n, base, trail));
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const { id, pointer } = resolve(base, node.$ref);
      const key = `${id}#${pointer}`;
      if (trail.includes(key)) throw new Error(`inlineSchema: ${key} refers to itself (${trail.join(' → ')})`);
      const { $ref: _ref, ...siblings } = node;
      const resolved = inline(target(id, pointer), id, [...trail, key]);
      return Object.keys(siblings).length ? { ...inline(siblings, base, trail) as Record<string, Json>, allOf: [resolved] } : resolved;
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$id' || k === '$schema' || k === 'definitions') continue;
      // Property names, not schemas: copy the map, inline its values.
      out[k] = k === 'properties' || k === 'patternProperties'
        ? Object.fromEntries(Object.entries(v as Record<string, Json>).map(([p, s]) => [p, inline(s, base, trail)]))
        : inline(v, base, trail);
    }
    return out;
  };
  const { id, pointer } = resolve('', ref);
  return inline(target(id, pointer), id, [`${id}#${pointer}`]) as Record<string, unknown>;
}

let sharedSchemaFiles: Map<string, Record<string, unknown>> | undefined;
function sharedFiles(): Map<string, Record<string, unknown>> {
  return (sharedSchemaFiles ??= readSchemaFiles());
}
