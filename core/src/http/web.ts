/**
 * Serves the built web apps (web/dist) from the same origin as the API, so the session
 * cookie and the WebSocket need no CORS. Hashed files under /assets/ never change and are
 * cached for a year; index.html is revalidated every time so a deploy takes effect at once.
 * Any other GET that is not the API's falls back to index.html: the app routes in the browser.
 * So does a browser's GET /verify/:code (routes/public.ts hands it over; other clients get JSON).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

const SERVER_PATHS = /^\/(api|docs|healthz|readyz|metrics)(\/|$|\?)/;

export interface WebApps {
  /** The static files plugin: register on the root instance. */
  routes(app: FastifyInstance): Promise<void>;
  /** For the not-found handler: answers a browser's page request with the app, or returns false. */
  fallback(request: FastifyRequest, reply: FastifyReply): boolean;
}

/** null when the web apps are not built (unit tests build no web; the API still serves). */
export function webApps(dir: string): WebApps | null {
  if (!existsSync(path.join(dir, 'index.html'))) return null;
  const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', dir);
  return {
    async routes(app) {
      await app.register(fastifyStatic, {
        root: dir,
        prefix: '/',
        index: false,
        wildcard: true,
        setHeaders(reply, file) {
          const immutable = file.includes(`${path.sep}assets${path.sep}`);
          reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
      app.get('/', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
    },
    fallback(request, reply) {
      const url = request.url.split('?')[0]!;
      if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVER_PATHS.test(url) || path.extname(url) || !(request.headers.accept ?? '').includes('text/html')) return false;
      void sendIndex(reply);
      return true;
    },
  };
}
