/**
 * What of an error may be logged. Database drivers hang the failed statement on their errors
 * (PGlite: `query`, `params`; pg: `where`, `detail` quoting the offending value), and those hold
 * the very data the logs must not: a party's phone, a whole report. So an error is logged as an
 * allow-list of fields — name, masked message and stack, the SQLSTATE and the schema object it
 * names — never its parameters, detail or context.
 */
import { maskPersonalText } from './mask.ts';

export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  /** A SQLSTATE (`22021`), a Node code (`ECONNREFUSED`) or a fastify code (not `code`: the logger redacts that key). */
  errorCode?: string;
  statusCode?: number;
  /** Where a database error happened: names from the schema, never values. */
  table?: string;
  column?: string;
  constraint?: string;
  routine?: string;
  cause?: LoggedError;
}

const MAX_MESSAGE = 500;
const MAX_STACK = 4000;
const SAFE_NAMES = ['table', 'column', 'constraint', 'routine'] as const;

export function loggedError(err: unknown, depth = 0): LoggedError {
  if (err === null || typeof err !== 'object') return { type: typeof err, message: clip(maskPersonalText(String(err)), MAX_MESSAGE) };
  const e = err as Record<string, unknown>;
  const out: LoggedError = {
    type: typeof e.type === 'string' && !(err instanceof Error) ? e.type : (err as Error).constructor?.name ?? 'Error',
    message: clip(maskPersonalText(typeof e.message === 'string' ? e.message : ''), MAX_MESSAGE),
  };
  if (typeof e.stack === 'string') out.stack = clip(maskPersonalText(e.stack), MAX_STACK);
  if (typeof e.errorCode === 'string') out.errorCode = e.errorCode;
  else if (typeof e.code === 'string' && /^[\w.-]{1,40}$/.test(e.code)) out.errorCode = e.code;
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
  for (const k of SAFE_NAMES) if (typeof e[k] === 'string') out[k] = clip(e[k] as string, 120);
  if (e.cause !== undefined && depth < 3) out.cause = loggedError(e.cause, depth + 1);
  return out;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
