/**
 * Response schemas for the routes, from schemas/http/ (the source of truth; the views return
 * the types generated from the same files). Fastify serializes each response with its route's
 * schema and writes only the properties the schema lists; the schema is given inlined because
 * fast-json-stringify cannot follow the relative refs between schema folders (inlineSchema).
 */
import { inlineSchema } from '../schemas.ts';

/** The schema `id` (`http/case-view.schema.json`, `decision.schema.json`, or with a `#/definitions/…` pointer), inlined; a fresh copy each call. */
export function responseSchema(id: string): Record<string, unknown> {
  return inlineSchema(id);
}

/** An array of `id`. */
export function listOf(id: string): Record<string, unknown> {
  return { type: 'array', items: inlineSchema(id) };
}
