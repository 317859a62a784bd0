/**
 * Personal data never reaches the logs whole: mobile numbers and ID numbers anywhere in a
 * logged URL or message are masked, and request bodies (where they travel) are not logged.
 */
import type { FastifyServerOptions } from 'fastify';
import { maskPersonalText } from './mask.ts';
import { loggedError } from './errorLog.ts';

export { maskPersonalText };

/** pino options for the server's logger. */
export function loggerOptions(level = process.env.LOG_LEVEL ?? 'info'): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: maskPersonalText(req.url), ip: req.ip }),
      // Any `{ err }` logged anywhere: an allow-list of its fields, never a statement's parameters.
      err: (err: Error) => {
        const e = loggedError(err);
        return { ...e, stack: e.stack ?? '' };
      },
    },
    hooks: {
      // Messages built from data (`… failed: ${err.message}`) are masked like everything else.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskPersonalText(a) : a)) as Parameters<typeof method>);
      },
    },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.phone', '*.idNumber', '*.password', '*.code'], censor: '***' },
  };
}
