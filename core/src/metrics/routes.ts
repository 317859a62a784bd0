/**
 * GET /metrics (Prometheus exposition) and GET /readyz (for the balancer and the orchestrator).
 *
 * Who may scrape: with KUAICHU_METRICS_TOKEN set, a request carrying
 * `Authorization: Bearer <token>` (Prometheus's `authorization` scrape setting), from anywhere
 * it can reach the process. Without a token, outside production, only a client on this
 * machine's loopback that came through no proxy (no X-Forwarded-For: a request the balancer
 * forwarded is never served); in production without a token there is no /metrics (404).
 * The balancer does not route /metrics at all (deploy/nginx); Prometheus scrapes each process
 * on its own address. The figures carry tenants and brigades, never personal data.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from '../errors.ts';
import type { Readiness } from './index.ts';

export interface MetricsAccess {
  /** KUAICHU_METRICS_TOKEN. */
  token?: string | undefined;
  production: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const digest = (s: string) => createHash('sha256').update(s).digest();

function allowed(req: FastifyRequest, access: MetricsAccess): boolean {
  if (access.token) {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // Compared as digests: equal length, constant time, whatever was sent.
    return timingSafeEqual(digest(given), digest(access.token));
  }
  if (access.production) return false;
  return LOOPBACK.has(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-for'] === undefined;
}

const readyResponse = {
  type: 'object',
  required: ['ok', 'db', 'bus', 'media', 'cities'],
  properties: {
    ok: { type: 'boolean' }, db: { type: 'string' }, bus: { type: 'boolean' }, media: { type: ['boolean', 'null'] },
    cities: { type: 'array', items: { type: 'string' } },
  },
} as const;

export async function observabilityRoutes(app: FastifyInstance, o: {
  access: MetricsAccess; readiness(): Promise<Readiness>; scrape(): Promise<string>; contentType: string; cities(): string[]; dbKind: string;
}) {
  app.get('/metrics', {
    schema: { hide: true, headers: { type: 'object', properties: { authorization: { type: 'string', maxLength: 512 } } } },
  }, async (req, reply) => {
    if (o.access.production && !o.access.token) throw Errors.notFound();
    if (!allowed(req, o.access)) throw o.access.token ? Errors.unauthenticated('a metrics token is required (Authorization: Bearer …)') : Errors.forbidden('metrics are served to this machine only');
    reply.header('content-type', o.contentType).header('cache-control', 'no-store');
    return o.scrape();
  });

  // Ready = the database answers, the bus takes events, and (with live video) a media worker lives.
  // The public answer says which, not why: the reasons (addresses, errors) go to the log.
  app.get('/readyz', { schema: { hide: true, response: { 200: readyResponse } } }, async (req) => {
    const r = await o.readiness();
    const summary = { ok: r.ready, db: o.dbKind, bus: r.bus.ok, media: r.media && r.media.ok, cities: o.cities() };
    if (r.ready) return summary;
    req.log.warn({ db: r.db, bus: r.bus, media: r.media, draining: r.draining }, 'not ready');
    throw Errors.unavailable(r.draining ? 'shutting down' : 'not ready', { db: r.db.ok, bus: r.bus.ok, media: r.media?.ok ?? null, ...(r.draining ? { draining: true } : {}) });
  });
}
