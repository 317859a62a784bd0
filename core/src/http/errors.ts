/** Renders every failure as `{ error: { code, message, details } }`; never a stack trace, never a 500 for bad input. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KcError } from '../errors.ts';
import { loggedError } from '../privacy/errorLog.ts';

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'KC_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'KC_BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'KC_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'KC_VALIDATION',
  FST_REQ_FILE_TOO_LARGE: 'KC_FILE_TOO_LARGE',
  FST_FILES_LIMIT: 'KC_FILE_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'KC_UNSUPPORTED_MEDIA_TYPE',
};

/** `pageFallback` answers a browser's request for an app address (the web apps route in the browser). */
export function installErrorHandling(app: FastifyInstance, pageFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean): void {
  app.setErrorHandler((err: FastifyError | KcError, request, reply) => {
    if (err instanceof KcError) {
      // A refusal that names its wait (locks, code backoff) says it the standard way too.
      const retry = err.details?.retryAfterSeconds;
      if (typeof retry === 'number' && retry > 0) reply.header('retry-after', String(retry));
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    if ((err as FastifyError).validation) {
      const fe = err as FastifyError;
      const errors = fe.validation!.map((v) => ({
        path: `${fe.validationContext ?? ''}${v.instancePath || ''}`,
        message: v.keyword === 'additionalProperties' ? `unknown property "${(v.params as { additionalProperty: string }).additionalProperty}"` : (v.message ?? v.keyword),
      }));
      return reply.status(400).send({ error: { code: 'KC_VALIDATION', message: `invalid request: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, details: { errors } } });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status === 429) return reply.status(429).send({ error: { code: 'KC_RATE_LIMITED', message: 'too many requests; try again shortly' } });
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: FASTIFY_CODES[(err as FastifyError).code] ?? 'KC_BAD_REQUEST', message: err.message } });
    }
    // Never the error object itself: a database error carries the statement's parameters.
    request.log.error({ err: loggedError(err) }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'KC_INTERNAL', message: 'something went wrong on our side; nothing was changed' } });
  });
  app.setNotFoundHandler((request, reply) => pageFallback?.(request, reply) ? reply : reply.status(404).send({ error: { code: 'KC_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }));
}
