/** Renders every failure as `{ error: { code, message, details } }`; never a stack trace, never a 500 for bad input. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errors, KcError, type Maker } from '../errors.ts';
import { loggedError } from '../privacy/errorLog.ts';

/** The framework's own refusals, by its code, as the catalogue's errors (the status stays the framework's). */
const FASTIFY_ERRORS: Record<string, Maker> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: Errors.unsupportedMediaType,
  FST_ERR_CTP_BODY_TOO_LARGE: Errors.bodyTooLarge,
  FST_ERR_CTP_EMPTY_JSON_BODY: Errors.validation,
  FST_ERR_CTP_INVALID_JSON_BODY: Errors.validation,
  FST_REQ_FILE_TOO_LARGE: Errors.fileTooLarge,
  FST_FILES_LIMIT: Errors.fileTooLarge,
  FST_INVALID_MULTIPART_CONTENT_TYPE: Errors.unsupportedMediaType,
};

function send(reply: FastifyReply, err: KcError, status = err.statusCode): FastifyReply {
  return reply.status(status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
}

/** `pageFallback` answers a browser's request for an app address (the web apps route in the browser). */
export function installErrorHandling(app: FastifyInstance, pageFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean): void {
  app.setErrorHandler((err: FastifyError | KcError, request, reply) => {
    if (err instanceof KcError) {
      // A refusal that names its wait (locks, code backoff) says it the standard way too.
      const retry = err.details?.retryAfterSeconds;
      if (typeof retry === 'number' && retry > 0) reply.header('retry-after', String(retry));
      return send(reply, err);
    }
    if ((err as FastifyError).validation) {
      const fe = err as FastifyError;
      const errors = fe.validation!.map((v) => ({
        path: `${fe.validationContext ?? ''}${v.instancePath || ''}`,
        message: v.keyword === 'additionalProperties' ? `unknown property "${(v.params as { additionalProperty: string }).additionalProperty}"` : (v.message ?? v.keyword),
      }));
      return send(reply, Errors.validation(`invalid request: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors }));
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status === 429) return send(reply, Errors.rateLimited());
    if (status >= 400 && status < 500) return send(reply, (FASTIFY_ERRORS[(err as FastifyError).code] ?? Errors.badRequest)(err.message), status);
    // Never the error object itself: a database error carries the statement's parameters.
    request.log.error({ err: loggedError(err) }, 'unhandled error');
    return send(reply, Errors.internal());
  });
  app.setNotFoundHandler((request, reply) => pageFallback?.(request, reply) ? reply : send(reply, Errors.notFound(`no route ${request.method} ${request.url.split('?')[0]}`)));
}
