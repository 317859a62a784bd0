/**
 * JSON bodies are read as UTF-8 (RFC 8259 allows nothing else between systems). A body that
 * declares another charset (`application/json; charset=ebcdic`) would be decoded as something
 * it says it is not: it is refused with 415 instead of being misread.
 */
import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.ts';

const ACCEPTED = new Set(['utf-8', 'utf8']);

/** The charset parameter of a Content-Type, lower-cased and unquoted; null when there is none. */
export function charsetOf(contentType: string | undefined): string | null {
  const m = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType ?? '');
  return m ? m[2]!.toLowerCase() : null;
}

export function installJsonCharsetCheck(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== null && !ACCEPTED.has(charset)) {
      done(Errors.unsupportedMediaType(`JSON bodies must be UTF-8; charset=${charset || '(empty)'} is not accepted (send charset=utf-8 or no charset)`, { charset }), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
