/** Signing in: staff by password, parties by SMS code or by a channel's signed token. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { ChannelSessionBody, CodeSent, LoggedOut, MeResponse, PartyCodeBody, PartySessionBody, SessionResponse, StaffLoginBody } from '../../generated/types.ts';
import { Errors } from '../../errors.ts';
import { verifyPassword } from '../../auth/password.ts';
import { createSession, endSession } from '../../auth/sessions.ts';
import { checkCode, sendCode } from '../../auth/otp.ts';
import { clearFailures, lockRemainingMs, recordFailure } from '../../auth/loginThrottle.ts';
import { staffCredentials } from '../../auth/staffAccounts.ts';
import { PLATFORM_TENANT } from '../../auth/staffCreate.ts';
import { clientKey } from '../clientAddress.ts';
import { SESSION_COOKIE } from '../auth.ts';
import { responseSchema } from '../responses.ts';
import { liveCity } from '../../cases/intake.ts';

const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', maxLength: 32 } } } as const;
// Per client (clientKey: never a header the client may choose); the per-account and per-phone limits are in auth/.
const strict = { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } };

function accountLocked(ms: number) {
  const retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000));
  return Errors.accountLocked(`too many failed sign-ins; this account is locked for ${Math.ceil(retryAfterSeconds / 60)} more min (an admin can unlock it)`, { retryAfterSeconds });
}
const session = { 200: responseSchema('http/session.schema.json') };

export async function sessionRoutes(app: FastifyInstance, { ctx, secureCookies }: { ctx: CoreContext; secureCookies: boolean }) {
  /** Whole seconds from the server's now to `at`: what a client may compare with its own clock. */
  const secondsLeft = (at: Date) => Math.max(0, Math.floor((at.getTime() - ctx.clock.now().getTime()) / 1000));
  const issue = async (reply: FastifyReply, who: Parameters<typeof createSession>[2], extra: Pick<SessionResponse, 'staff' | 'channel'>): Promise<SessionResponse> => {
    const s = await createSession(ctx.db, ctx.clock.now(), who);
    // A lifetime, never a date: the browser judges an absolute Expires by its own clock, which need not be the
    // server's (a manual clock, a skewed phone); the server stays the single judge of expiry (sessions.ts).
    const maxAge = Math.max(1, secondsLeft(s.expiresAt));
    reply.setCookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/', maxAge });
    return { token: s.token, csrf: s.csrf, expiresAt: s.expiresAt.toISOString(), expiresInSeconds: maxAge, tenant: who.tenant, ...extra };
  };

  app.post<{ Body: StaffLoginBody }>('/api/auth/login', { ...strict, schema: { tags: ['auth'], summary: 'Staff sign-in', body: { $ref: 'http/staff-login.schema.json#' }, response: session } }, async (req, reply) => {
    const { tenant, username, password } = req.body;
    // The platform operator signs in to the reserved tenant `platform`, which is no city (auth/staffCreate.ts).
    const known = ctx.cities.has(tenant) || tenant === PLATFORM_TENANT;
    // Locked: refused before the password is looked at, so a lock is no oracle for the right one.
    const locked = known ? await lockRemainingMs(ctx.db, tenant, username, ctx.clock.now()) : 0;
    if (locked > 0) throw accountLocked(locked);
    const s = known ? await staffCredentials(ctx, tenant, username) : undefined;
    // Same answer for an unknown user and a wrong password: nothing to enumerate.
    if (!s || !(await verifyPassword(password, s.password_hash))) {
      const lock = known ? await recordFailure(ctx.db, tenant, username, ctx.clock.now()) : 0;
      throw lock > 0 ? accountLocked(lock) : Errors.badCredentials();
    }
    await clearFailures(ctx.db, tenant, username);
    return issue(reply, { tenant, staffId: s.id }, { staff: { id: s.id, username, displayName: s.display_name, roles: s.roles, brigadeId: s.brigade_id } });
  });

  app.post<{ Params: { tenant: string }; Body: PartyCodeBody }>('/api/cities/:tenant/party/code', { ...strict, schema: { tags: ['auth'], summary: 'Send a sign-in code by SMS', params: tenantParams, body: { $ref: 'http/party-code.schema.json#' }, response: { 200: responseSchema('http/code-sent.schema.json') } } }, async (req): Promise<CodeSent> => {
    liveCity(ctx, req.params.tenant); // a draft city sends no codes: it takes no reports yet
    const { expiresAt, challenge } = await sendCode(ctx, req.params.tenant, req.body.phone, clientKey(req));
    return { sent: true, expiresAt: expiresAt.toISOString(), expiresInSeconds: secondsLeft(expiresAt), challenge };
  });

  app.post<{ Params: { tenant: string }; Body: PartySessionBody }>('/api/cities/:tenant/party/session', { ...strict, schema: { tags: ['auth'], summary: 'Party sign-in with the SMS code', params: tenantParams, body: { $ref: 'http/party-session.schema.json#' }, response: session } }, async (req, reply) => {
    ctx.cities.get(req.params.tenant);
    await checkCode(ctx, req.params.tenant, req.body.phone, req.body.code, req.body.challenge, clientKey(req));
    return issue(reply, { tenant: req.params.tenant, partyPhone: req.body.phone, channel: null }, {});
  });

  app.post<{ Params: { tenant: string }; Body: ChannelSessionBody }>('/api/cities/:tenant/party/channel-session', { ...strict, schema: { tags: ['auth'], summary: 'Party sign-in with a channel token (WeChat mini-program link)', params: tenantParams, body: { $ref: 'http/channel-session.schema.json#' }, response: session } }, async (req, reply) => {
    const channel = ctx.ports.find(req.params.tenant, 'channel');
    const id = channel?.verifyToken(req.body.token, ctx.clock.now());
    if (!id || id.tenant !== req.params.tenant) throw Errors.channelTokenInvalid();
    return issue(reply, { tenant: id.tenant, partyPhone: id.phone, channel: id.channel }, { channel: id.channel });
  });

  app.post('/api/auth/logout', { schema: { tags: ['auth'], response: { 200: responseSchema('http/logged-out.schema.json') } } }, async (req, reply): Promise<LoggedOut> => {
    if (req.sessionToken) {
      await endSession(ctx.db, req.principal!.tenant, req.sessionToken);
      app.forgetSession(req.sessionToken);
    }
    // Max-Age=0 rather than clearCookie's Expires=1970: no absolute date in any Set-Cookie (see issue()).
    reply.setCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/', maxAge: 0 });
    return { ok: true };
  });

  app.get('/api/me', { schema: { tags: ['auth'], summary: 'Who is signed in, and the CSRF token', response: { 200: responseSchema('http/me.schema.json') } } }, async (req): Promise<MeResponse> => {
    if (!req.principal) throw Errors.unauthenticated();
    const { csrf, expiresAt, ...who } = req.principal;
    return { ...who, csrf, expiresAt: expiresAt.toISOString(), expiresInSeconds: secondsLeft(expiresAt) };
  });
}
