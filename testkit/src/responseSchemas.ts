/**
 * A guard for the response schemas, on in every HTTP test (core.ts). Fastify serializes
 * a response with its route's schema and writes only the properties the schema lists, so a
 * view that returns more than its schema says would lose data without a sound, and a null
 * where the schema says string would arrive as "". Before each response with a schema is
 * sent, this serializes it the way fastify will and fails the request (500, the difference on
 * stderr) unless the result equals plain JSON.stringify and validates against the schema.
 */
import { isDeepStrictEqual } from 'node:util';
import fp from 'fastify-plugin';
import type { ValidateFunction } from 'ajv';
import { createSchemaRegistry } from '@kuaichu/core/schemas';

/** Where two JSON values first differ (a path and both sides), or null when they are equal. */
export function firstDifference(expected: unknown, actual: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(expected, actual)) return null;
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && Array.isArray(expected) === Array.isArray(actual)) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) {
      if (!(k in a)) return `${path}.${k} is dropped by the serializer (the schema does not list it)`;
      if (!(k in e)) return `${path}.${k} is added by the serializer`;
      const d = firstDifference(e[k], a[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: the view returns ${JSON.stringify(expected)?.slice(0, 200)}, the serializer writes ${JSON.stringify(actual)?.slice(0, 200)}`;
}

export const responseSchemaCheck = fp(async (app) => {
  const { ajv } = createSchemaRegistry();
  const validators = new WeakMap<object, ValidateFunction>();
  app.addHook('preSerialization', async (req, reply, payload) => {
    const responses = req.routeOptions.schema?.response as Record<string, object> | undefined;
    const schema = responses?.[String(reply.statusCode)] ?? responses?.[`${String(reply.statusCode)[0]}xx`];
    if (!schema || payload === null || typeof payload !== 'object') return payload;
    const route = `${req.method} ${req.routeOptions.url} → ${reply.statusCode}`;
    const plain: unknown = JSON.parse(JSON.stringify(payload));
    const wire: unknown = JSON.parse(reply.serialize(payload) as string);
    const difference = firstDifference(plain, wire);
    let validate = validators.get(schema);
    if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
    const problem = difference ?? (validate(wire) ? null : ajv.errorsText(validate.errors, { dataVar: '$' }));
    if (problem) {
      console.error(`response schema check: ${route}: ${problem}`);
      throw new Error(`response schema check: ${route}: ${problem}`);
    }
    return payload;
  });
});
