/**
 * Text the database cannot hold is refused at the edge: PostgreSQL rejects U+0000 in text and
 * jsonb, and an unpaired UTF-16 surrogate is not Unicode at all (JSON's "\ud800" parses to one).
 * One hook checks every route's parsed body, query and params — values and object keys — and
 * answers 400 KC_VALIDATION naming the field, before any handler or query sees the request.
 */
import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.ts';

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BAD_TEXT_GLOBAL = new RegExp(BAD_TEXT.source, 'g');

export function isStorableText(s: string): boolean {
  return !BAD_TEXT.test(s);
}

/**
 * The path (`/a/0/b`, JSON Pointer style like ajv's instancePath) of the first string or key
 * that is not storable, or null. Iterative, and a path is spelled out only for the culprit,
 * so a deeply nested body costs linear time and cannot exhaust the stack.
 */
export function findUnstorableText(value: unknown): string | null {
  type Step = { v: unknown; seg: string; up: Step | null };
  const spell = (s: Step | null, last = ''): string => {
    const segs = [last];
    for (let at = s; at?.up; at = at.up) segs.push(at.seg);
    const path = segs.reverse().join('/').replace(/\/$/, '');
    return `/${path}`;
  };
  const stack: Step[] = [{ v: value, seg: '', up: null }];
  while (stack.length) {
    const step = stack.pop()!;
    const v = step.v;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return spell(step);
      continue;
    }
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || ArrayBuffer.isView(v)) continue; // raw bytes (uploads) are judged elsewhere
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], seg: String(i), up: step });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (!isStorableText(key)) return spell(step, pointerEscape(key));
      stack.push({ v: (v as Record<string, unknown>)[key], seg: pointerEscape(key), up: step });
    }
  }
  return null;
}

/** Throws the 400 when a value (a form field, a file name …) holds unstorable text. */
export function assertStorableText(value: unknown, where: string): void {
  const at = findUnstorableText(value);
  if (at !== null) throw unstorable(`${where}${at === '/' ? '' : at}`);
}

export function installTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const parts = { params: request.params, querystring: request.query, body: request.body } as const;
    for (const [where, value] of Object.entries(parts)) assertStorableText(value, where);
  });
}

function unstorable(path: string) {
  const message = 'contains a NUL character or an unpaired surrogate (not valid text)';
  return Errors.validation(`invalid request: ${path} ${message}`, { errors: [{ path, message }] });
}

function pointerEscape(key: string): string {
  // Keys are escaped as in JSON Pointer; a bad key is shown escaped so the message stays printable.
  return key.replace(/~/g, '~0').replace(/\//g, '~1').replace(BAD_TEXT_GLOBAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
