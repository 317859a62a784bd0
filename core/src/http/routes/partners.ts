/**
 * Partner organisations (合作单位) and room invitations (issue 14, Yancheng's 云车通): the admin
 * keeps the organisations and their people; a partner person signs in to the partner console
 * (/console/partner), which lists only the cases their organisation is invited to (any other
 * case answers 404); the seat on a case or an officer invites the second party or a partner into
 * the case's room, lists and revokes invitations; the invited accept their single-use link.
 */
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { tenantDb } from '../../context.ts';
import type {
  InvitationAccept, InvitationAccepted, PartnerCase, PartnerCases, PartnerDirectory, PartnerLoginBody, PartnerOrg, PartnerOrgCreate, PartnerOrgs, PartnerPerson,
  PartnerPersonCreate, RoomInvitation, RoomInvitationCreate, RoomInvitations, SessionResponse,
} from '../../generated/types.ts';
import { Errors } from '../../errors.ts';
import { getCase, type CaseRow } from '../../cases/repository.ts';
import { admit } from '../../media/admission.ts';
import { maskPhone } from '../../privacy/mask.ts';
import { partnersRepo, type InvitationRow, type PartnerOrgRow, type PartnerPersonRow } from '../../persistence/partners.ts';
import { offeredPartnerKinds, requirePartnerKind } from '../../partners/kinds.ts';
import { createOrg, createPerson, signInPartner } from '../../partners/accounts.ts';
import { partnerDirectory } from '../../partners/directory.ts';
import { acceptAsPartner, acceptAsParty, invitationsOf, invite, partnerCase, partnerCases, revoke } from '../../partners/invitations.ts';
import { caseSummary } from '../views.ts';
import { SESSION_COOKIE, requireRole, staffOf } from '../auth.ts';
import { partnerOf, requirePartner } from '../partnerAuth.ts';
import { responseSchema } from '../responses.ts';

const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', maxLength: 32 } } } as const;
const caseParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const strict = { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } };
const err = () => responseSchema('http/error.schema.json');

/** Seat or officer; anyone else signed in (a party, a partner, another role) is 403, nobody 401. */
const seatOrOfficer: preHandlerHookHandler = async (req) => {
  const p = req.principal;
  if (!p) throw Errors.unauthenticated();
  if (!p.staff?.roles.some((r) => r === 'seat' || r === 'officer')) throw Errors.forbidden('this needs the seat or officer role');
};

function orgView(o: PartnerOrgRow, people: PartnerPersonRow[]): PartnerOrg {
  return { id: o.id, kind: o.kind, name: o.name, code: o.code, disabled: !!o.disabled_at, people: people.filter((p) => p.org_id === o.id).map(personView) };
}
function personView(p: PartnerPersonRow): PartnerPerson {
  return { id: p.id, orgId: p.org_id, username: p.username, displayName: p.display_name, phone: p.phone ? maskPhone(p.phone) : null, disabled: !!p.disabled_at };
}
function invitationView(i: InvitationRow, now: Date, orgs: ReadonlyMap<string, string>, url?: string): RoomInvitation {
  const status = i.revoked_at ? 'revoked' : i.used_at ? 'accepted' : new Date(i.expires_at) <= now ? 'expired' : 'pending';
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: i.id, caseId: i.case_id, role: i.role, phone: i.phone ? maskPhone(i.phone) : null, orgId: i.org_id, orgName: i.org_id ? (orgs.get(i.org_id) ?? null) : null,
    status, expiresAt: new Date(i.expires_at).toISOString(), createdAt: new Date(i.created_at).toISOString(), usedAt: iso(i.used_at), revokedAt: iso(i.revoked_at),
    ...(url ? { url } : {}),
  };
}

export async function partnerRoutes(app: FastifyInstance, { ctx, secureCookies }: { ctx: CoreContext; secureCookies: boolean }) {
  const admin = requireRole('admin');
  const orgNames = async (tenant: string) => new Map((await partnersRepo.orgs(tenantDb(ctx, tenant))).map((o) => [o.id, o.name] as const));
  const secondsLeft = (at: Date) => Math.max(0, Math.floor((at.getTime() - ctx.clock.now().getTime()) / 1000));
  const sessionAnswer = (reply: import('fastify').FastifyReply, tenant: string, s: { token: string; csrf: string; expiresAt: Date }): SessionResponse => {
    const maxAge = Math.max(1, secondsLeft(s.expiresAt));
    reply.setCookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/', maxAge });
    return { token: s.token, csrf: s.csrf, expiresAt: s.expiresAt.toISOString(), expiresInSeconds: maxAge, tenant };
  };

  // ── the admin's organisations and people ──
  app.get('/api/admin/partners', { preHandler: admin, schema: { tags: ['admin'], summary: 'Partner organisations and their people (platform.participants)', response: { 200: responseSchema('http/partner-orgs.schema.json') } } }, async (req): Promise<PartnerOrgs> => {
    const tenant = staffOf(req).tenant;
    const city = ctx.cities.get(tenant);
    requirePartnerKind(city);
    const db = tenantDb(ctx, tenant);
    const [orgs, people] = await Promise.all([partnersRepo.orgs(db), partnersRepo.people(db)]);
    return { offered: offeredPartnerKinds(city), orgs: orgs.map((o) => orgView(o, people)) };
  });
  app.post<{ Body: PartnerOrgCreate }>('/api/admin/partners', { preHandler: admin, schema: { tags: ['admin'], summary: 'Adds a partner organisation', body: { $ref: 'http/partner-org-create.schema.json#' }, response: { 201: responseSchema('http/partner-orgs.schema.json#/definitions/PartnerOrg') } } }, async (req, reply): Promise<PartnerOrg> => {
    const org = await createOrg(ctx, staffOf(req).tenant, { kind: req.body.kind, name: req.body.name, code: req.body.code ?? null });
    reply.code(201);
    return orgView(org, []);
  });
  app.post<{ Params: { orgId: string }; Body: PartnerPersonCreate }>('/api/admin/partners/:orgId/people', {
    preHandler: admin,
    schema: { tags: ['admin'], summary: 'Adds a person (who signs in to the partner console) to a partner organisation', params: { type: 'object', required: ['orgId'], properties: { orgId: { type: 'string', format: 'uuid' } } }, body: { $ref: 'http/partner-person-create.schema.json#' }, response: { 201: responseSchema('http/partner-orgs.schema.json#/definitions/PartnerPerson') } },
  }, async (req, reply): Promise<PartnerPerson> => {
    const p = await createPerson(ctx, staffOf(req).tenant, req.params.orgId, { username: req.body.username, displayName: req.body.displayName, phone: req.body.phone ?? null, password: req.body.password });
    req.log.info({ tenant: p.tenant, org: p.org_id, username: p.username, by: staffOf(req).username }, 'partner person created');
    reply.code(201);
    return personView(p);
  });

  // ── the seat's and officer's pick list (invitations, mediation bookings): names and kinds only ──
  app.get('/api/partners', {
    preHandler: seatOrOfficer,
    schema: { tags: ['cases'], summary: "The city's enabled partner organisations, to invite into a case's room or to book a mediation with (seat, officer)", response: { 200: responseSchema('http/partner-directory.schema.json'), 401: err(), 403: err(), 409: err() } },
  }, async (req): Promise<PartnerDirectory> => ({ orgs: await partnerDirectory(ctx, staffOf(req).tenant) }));

  // ── partner sign-in and console ──
  app.post<{ Params: { tenant: string }; Body: PartnerLoginBody }>('/api/cities/:tenant/partner/session', {
    ...strict, schema: { tags: ['auth'], summary: 'Partner sign-in (password; same throttles as staff)', params: tenantParams, body: { $ref: 'http/partner-login.schema.json#' }, response: { 200: responseSchema('http/session.schema.json') } },
  }, async (req, reply): Promise<SessionResponse> => {
    const city = ctx.cities.get(req.params.tenant);
    requirePartnerKind(city);
    const r = await signInPartner(ctx, city.tenant, req.body.username, req.body.password);
    if ('lockedMs' in r) {
      const retryAfterSeconds = Math.max(1, Math.ceil(r.lockedMs / 1000));
      throw Errors.accountLocked(`too many failed sign-ins; this account is locked for ${Math.ceil(retryAfterSeconds / 60)} more min (an admin can unlock it)`, { retryAfterSeconds });
    }
    return sessionAnswer(reply, city.tenant, r.session);
  });

  const partnerCaseView = async (c: CaseRow, orgId: string, names: ReadonlyMap<string, string>): Promise<PartnerCase> => {
    const now = ctx.clock.now();
    const invitations = (await partnersRepo.invitationsOfCase(tenantDb(ctx, c.tenant), c.id)).filter((i) => i.org_id === orgId);
    return { ...caseSummary(c), invitations: invitations.map((i) => invitationView(i, now, names)) };
  };
  app.get('/api/partner/cases', { preHandler: requirePartner(), schema: { tags: ['partner'], summary: "The cases the partner's organisation is invited to", response: { 200: responseSchema('http/partner-cases.schema.json') } } }, async (req): Promise<PartnerCases> => {
    const p = partnerOf(req);
    const names = await orgNames(p.tenant);
    const cases = await partnerCases(ctx, p);
    const { tenant: _t, ...partner } = p;
    return { partner, cases: await Promise.all(cases.map((c) => partnerCaseView(c, p.orgId, names))) };
  });
  app.get<{ Params: { id: string } }>('/api/partner/cases/:id', { preHandler: requirePartner(), schema: { tags: ['partner'], summary: 'A case the partner is invited to (404 for any other)', params: caseParams, response: { 200: responseSchema('http/partner-case.schema.json') } } }, async (req): Promise<PartnerCase> => {
    const p = partnerOf(req);
    return partnerCaseView(await partnerCase(ctx, p, req.params.id), p.orgId, await orgNames(p.tenant));
  });
  app.post<{ Body: InvitationAccept }>('/api/partner/invitations/accept', { preHandler: requirePartner(), schema: { tags: ['partner'], summary: "Accepts the organisation's invitation link (single use)", body: { $ref: 'http/invitation-accept.schema.json#' }, response: { 200: responseSchema('http/invitation-accepted.schema.json') } } }, async (req): Promise<InvitationAccepted> => {
    const i = await acceptAsPartner(ctx, partnerOf(req), req.body.token);
    return { caseId: i.case_id, role: i.role };
  });

  // ── the second party's link (public: the link signs them in) ──
  app.post<{ Params: { tenant: string }; Body: InvitationAccept }>('/api/cities/:tenant/invitations/accept', {
    ...strict, schema: { tags: ['party'], summary: 'The second party opens their SMS invitation link: signed in as the invited phone', params: tenantParams, body: { $ref: 'http/invitation-accept.schema.json#' }, response: { 200: responseSchema('http/invitation-accepted.schema.json') } },
  }, async (req, reply): Promise<InvitationAccepted> => {
    const r = await acceptAsParty(ctx, req.params.tenant, req.body.token);
    req.log.info({ tenant: req.params.tenant, caseId: r.caseId, phone: maskPhone(r.phone) }, 'room invitation accepted by the second party');
    return { caseId: r.caseId, role: 'party_b', session: sessionAnswer(reply, req.params.tenant, r.session) };
  });

  // ── the seat or officer invites, lists, revokes ──
  /** The seat on the case or an officer of its tenant; anyone else 403 (404 for a case of another city). */
  const inviter = async (req: import('fastify').FastifyRequest<{ Params: { id: string } }>) => {
    const s = staffOf(req);
    const c = await getCase(tenantDb(ctx, s.tenant), s.tenant, req.params.id);
    const as = admit(req.principal!, c)?.role;
    if (as !== 'seat' && as !== 'officer') throw Errors.forbidden('only the seat on the case or an officer invites into its room');
    return { s, c };
  };
  app.post<{ Params: { id: string }; Body: RoomInvitationCreate }>('/api/cases/:id/invitations', {
    preHandler: requireRole('seat', 'officer'),
    schema: { tags: ['cases'], summary: "Invites the second party (SMS link) or a partner organisation into the case's room", params: caseParams, body: { $ref: 'http/room-invitation-create.schema.json#' }, response: { 201: responseSchema('http/room-invitation.schema.json') } },
  }, async (req, reply): Promise<RoomInvitation> => {
    const { s, c } = await inviter(req);
    const r = await invite(ctx, s.tenant, c.id, { staffId: s.id }, req.body);
    req.log.info({ tenant: s.tenant, caseId: c.id, role: r.row.role, by: s.username }, 'room invitation sent');
    reply.code(201);
    return invitationView(r.row, ctx.clock.now(), await orgNames(s.tenant), r.url);
  });
  app.get<{ Params: { id: string } }>('/api/cases/:id/invitations', {
    preHandler: requireRole('seat', 'officer'),
    schema: { tags: ['cases'], summary: "The case's room invitations", params: caseParams, response: { 200: responseSchema('http/room-invitations.schema.json') } },
  }, async (req): Promise<RoomInvitations> => {
    const { s, c } = await inviter(req);
    const names = await orgNames(s.tenant);
    return { invitations: (await invitationsOf(ctx, s.tenant, c.id)).map((i) => invitationView(i, ctx.clock.now(), names)) };
  });
  app.post<{ Params: { id: string; invitationId: string }; Body: Record<string, never> }>('/api/cases/:id/invitations/:invitationId/revoke', {
    preHandler: requireRole('seat', 'officer'),
    schema: { tags: ['cases'], summary: 'Withdraws an invitation: its link no longer works and its holder is no longer admitted', params: { type: 'object', required: ['id', 'invitationId'], properties: { id: { type: 'string', maxLength: 64 }, invitationId: { type: 'string', format: 'uuid' } } }, body: { type: 'object', additionalProperties: false }, response: { 200: responseSchema('http/room-invitation.schema.json') } },
  }, async (req): Promise<RoomInvitation> => {
    const { s, c } = await inviter(req as never);
    const i = await revoke(ctx, s.tenant, c.id, req.params.invitationId, { staffId: s.id });
    req.log.info({ tenant: s.tenant, caseId: c.id, invitation: i.id, by: s.username }, 'room invitation revoked');
    return invitationView(i, ctx.clock.now(), await orgNames(s.tenant));
  });
}
