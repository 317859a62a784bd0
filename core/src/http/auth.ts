/**
 * Who is asking. A session token arrives as a bearer header (apps, tests) or as the httpOnly
 * `kc_session` cookie (browsers); cookie-borne requests that change anything must carry the
 * session's CSRF token in `X-CSRF-Token`. Roles are checked on every route that needs one.
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import { loadSession, type Principal, type Role } from '../auth/sessions.ts';
import { forTenant, type TenantDb } from '../db/tenantDb.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Drops a session from this process's cache (logout). */
    forgetSession(token: string): void;
    /** Drops every cached session of a staff member (disabled, password reset); other processes notice within CACHE_MS. */
    forgetStaff(staffId: string): void;
  }
  interface FastifyRequest {
    principal: Principal | null;
    sessionToken: string | null;
    /** The database bound to the signed-in tenant (row-level security: db/tenantDb.ts); null when nobody is signed in. */
    tenantDb: TenantDb | null;
  }
}

export const SESSION_COOKIE = 'kc_session';

/**
 * Sessions read from the database are kept for a few seconds: every request is authenticated,
 * and this saves a round trip on each. A logout drops the entry here at once; another server
 * process notices within CACHE_MS.
 */
const CACHE_MS = 10_000;
const CACHE_MAX = 20_000;

export const authPlugin = fp<{ ctx: CoreContext }>(async (app, { ctx }) => {
  const cache = new Map<string, { principal: Principal; until: number }>();
  const lookup = async (token: string): Promise<Principal | null> => {
    const now = ctx.clock.now();
    const hit = cache.get(token);
    if (hit && hit.until > now.getTime()) return hit.principal;
    const principal = await loadSession(ctx.db, token, now);
    if (cache.size >= CACHE_MAX) cache.clear();
    if (principal) cache.set(token, { principal, until: Math.min(now.getTime() + CACHE_MS, principal.expiresAt.getTime()) });
    else cache.delete(token);
    return principal;
  };
  app.decorate('forgetSession', (token: string) => void cache.delete(token));
  app.decorate('forgetStaff', (staffId: string) => {
    for (const [token, hit] of cache) if (hit.principal.staff?.id === staffId) cache.delete(token);
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('tenantDb', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    const cookie = request.cookies?.[SESSION_COOKIE] ?? null;
    const token = bearer ?? cookie;
    if (!token) return;
    const principal = await lookup(token);
    if (!principal) return;
    if (!bearer && !['GET', 'HEAD', 'OPTIONS'].includes(request.method) && request.headers['x-csrf-token'] !== principal.csrf) throw Errors.csrf();
    request.principal = principal;
    request.sessionToken = token;
    request.tenantDb = forTenant(ctx.db, principal.tenant);
  });
});

export function staffOf(request: FastifyRequest): NonNullable<Principal['staff']> & { tenant: string } {
  const p = request.principal;
  if (!p?.staff) throw Errors.unauthenticated();
  return { ...p.staff, tenant: p.tenant };
}

/** The signed-in tenant's database access (401 when nobody is signed in). */
export function tenantDbOf(request: FastifyRequest): TenantDb {
  if (!request.tenantDb) throw Errors.unauthenticated();
  return request.tenantDb;
}

export function partyOf(request: FastifyRequest): NonNullable<Principal['party']> & { tenant: string } {
  const p = request.principal;
  if (!p?.party) throw Errors.unauthenticated('sign in with your phone first');
  return { ...p.party, tenant: p.tenant };
}

/** preHandler: a signed-in staff member with one of the roles. */
export function requireRole(...roles: Role[]): preHandlerHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const staff = staffOf(request);
    if (!staff.roles.some((r) => roles.includes(r))) throw Errors.forbidden(`this needs the ${roles.join(' or ')} role`);
  };
}

export const requireParty: preHandlerHookHandler = async (request) => {
  partyOf(request);
};

export const requireSignedIn: preHandlerHookHandler = async (request) => {
  if (!request.principal) throw Errors.unauthenticated();
};
