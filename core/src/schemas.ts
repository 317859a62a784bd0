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
