/**
 * The photo path's (事故快处) routes: the shot check; party A's report, shots and leaving the
 * scene; party B joining (SMS link or case number + SMS code); both parties' statements, the
 * liability proposal and SMS-code signatures (自行协商协议书); the online determination
 * (在线定责) and the officer's requests for more photos; the parties' receipt of the
 * determination. The API contract: /tmp/team/CONTRACT-18.md while issue 18 is built, then
 * docs/architecture.md.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { tenantDb } from '../../context.ts';
import { Errors } from '../../errors.ts';
import type * as Wire from '../../generated/types.ts';
import type { PhotoCheck } from '../../generated/types.ts';
import { liveCity } from '../../cases/intake.ts';
import { getCase, isUuid, type CaseRow } from '../../cases/repository.ts';
import { checkPhoto, PHOTO_LIMITS } from '../../photoPath/photoCheck.ts';
import {
  acknowledge, addShot, cancelPhotoCase, invite, joinByLink, joinByNumber, leaveScene, partyRole, photoCaseRecord, proposeLiability,
  recordStatement, reportPhotoCase, requestOnline, requestPhotos, type PartyRole,
} from '../../photoPath/photoCase.ts';
import { sendSignCode, signAgreement } from '../../photoPath/agreement.ts';
import { createSession } from '../../auth/sessions.ts';
import { evidenceRepo } from '../../persistence/evidence.ts';
import { partyOf, requireParty, requireRole, SESSION_COOKIE, staffOf, tenantDbOf } from '../auth.ts';
import { clientKey } from '../clientAddress.ts';
import { photoCaseView } from '../photoViews.ts';
import { responseSchema } from '../responses.ts';

const shotParams = { type: 'object', required: ['shot'], additionalProperties: false, properties: { shot: { type: 'string', maxLength: 48 } } } as const;
const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', maxLength: 64 } } } as const;
const idShotParams = { type: 'object', required: ['id', 'shot'], additionalProperties: false, properties: { id: { type: 'string', maxLength: 64 }, shot: { type: 'string', maxLength: 48 } } } as const;
const tenantParams = { type: 'object', required: ['tenant'], additionalProperties: false, properties: { tenant: { type: 'string', maxLength: 32 } } } as const;
const err = () => responseSchema('http/error.schema.json');
const photoCase = (status = 200) => ({ [status]: responseSchema('http/photo-case.schema.json'), 403: err(), 404: err(), 409: err(), 422: err() });

type WithId = { Params: { id: string } };

/** The signed-in party's role on the photo case `:id` (A or B); 404 when the case is not theirs, or not a photo case. */
async function asParty(req: FastifyRequest): Promise<{ c: CaseRow; role: PartyRole; phone: string }> {
  const party = partyOf(req);
  const id = (req.params as { id: string }).id;
  if (!isUuid(id)) throw Errors.caseNotFound();
  const c = await getCase(tenantDbOf(req), party.tenant, id);
  const role = c.path === 'photo' ? partyRole(c, party.phone) : null;
  if (!role) throw Errors.caseNotFound();
  return { c, role, phone: party.phone };
}

export async function photoPathRoutes(app: FastifyInstance, { ctx, secureCookies = false }: { ctx: CoreContext; secureCookies?: boolean }) {
  const view = async (tenant: string, id: string, role: PartyRole | null) => photoCaseView(ctx, await photoCaseRecord(ctx, tenant, id), role);
  const officer = requireRole('officer');

  app.post<{ Params: { shot: string } }>('/api/photo-path/shots/:shot/check', {
    preHandler: requireParty, config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    schema: {
      tags: ['party'], summary: '事故快处: check a photo for one required shot (multipart, one file): decodes as JPEG/PNG, big enough, not blank; nothing stored',
      params: shotParams, consumes: ['multipart/form-data'],
      response: { 200: responseSchema('http/photo-check.schema.json'), 409: err(), 415: err(), 422: err() },
    },
  }, async (req): Promise<PhotoCheck> => {
    const party = partyOf(req);
    const city = liveCity(ctx, party.tenant);
    if (!city.photo) throw Errors.pathNotOffered('本市未开通事故快处（拍照自行协商）。This city does not offer photo quick handling.', { path: 'photo', offered: [...city.paths] });
    const shot = city.photo.shots.find((s) => s.id === req.params.shot);
    if (!shot) throw Errors.validation(`no shot "${req.params.shot}" on this city's photo path`, { shots: city.photo.shots.map((s) => s.id) });
    const bytes = await onePhoto(req);
    const photo = await checkPhoto(bytes);
    return { shot: shot.id, accepted: true, ...photo, sha256: createHash('sha256').update(bytes).digest('hex') };
  });

  app.post<{ Body: Wire.PhotoCaseReportBody }>('/api/photo-cases', {
    preHandler: requireParty, config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    schema: {
      tags: ['party'], summary: '事故快处: party A reports on the photo path (refused reports are recorded as ineligible); the other party gets the join link by SMS',
      body: { $ref: 'http/photo-case-report.schema.json#' }, response: { 200: responseSchema('http/photo-case.schema.json'), 201: responseSchema('http/photo-case.schema.json'), 409: err() },
    },
  }, async (req, reply) => {
    const party = partyOf(req);
    const { case: c, created } = await reportPhotoCase(ctx, party.tenant, { clientKey: req.body.clientKey, phone: party.phone, report: req.body.report, otherPartyPhone: req.body.otherPartyPhone });
    return reply.status(created ? 201 : 200).send(await view(party.tenant, c.id, 'A'));
  });

  app.post('/api/photo-cases/join', {
    preHandler: requireParty, config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    schema: { tags: ['party'], summary: '事故快处: party B (signed in with an SMS code to their own phone) joins by the case number', body: { $ref: 'http/photo-join-number.schema.json#' }, response: photoCase() },
  }, async (req) => {
    const party = partyOf(req);
    const c = await joinByNumber(ctx, party.tenant, party.phone, (req.body as Wire.PhotoJoinNumberBody).caseNumber);
    return view(party.tenant, c.id, 'B');
  });

  app.post<{ Params: { tenant: string }; Body: Wire.PhotoJoinLinkBody }>('/api/cities/:tenant/photo-join', {
    config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    schema: { tags: ['auth'], summary: '事故快处: party B opens the SMS link — signed in as the phone it was sent to, and joined to the case', params: tenantParams, body: { $ref: 'http/photo-join-link.schema.json#' }, response: { 200: responseSchema('http/photo-joined.schema.json'), 404: err(), 410: err() } },
  }, async (req, reply): Promise<Wire.PhotoJoined> => {
    const tenant = req.params.tenant;
    const { caseId, phone } = await joinByLink(ctx, tenant, req.body.token);
    const s = await createSession(ctx.db, ctx.clock.now(), { tenant, partyPhone: phone, channel: null });
    const maxAge = Math.max(1, Math.floor((s.expiresAt.getTime() - ctx.clock.now().getTime()) / 1000));
    reply.setCookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/', maxAge });
    return { caseId, session: { token: s.token, csrf: s.csrf, expiresAt: s.expiresAt.toISOString(), expiresInSeconds: maxAge, tenant } };
  });

  app.get<WithId>('/api/photo-cases/:id', {
    schema: { tags: ['party'], summary: '事故快处: the case as party A, party B or the tenant’s staff see it', params: idParams, response: photoCase() },
  }, async (req) => {
    const p = req.principal;
    if (!p) throw Errors.unauthenticated();
    if (p.staff) {
      if (!p.staff.roles.some((r) => r === 'officer' || r === 'seat' || r === 'admin')) throw Errors.forbidden('this needs the officer, seat or admin role');
      if (!isUuid(req.params.id)) throw Errors.caseNotFound();
      return view(p.tenant, req.params.id, null);
    }
    const { c, role } = await asParty(req);
    return view(c.tenant, c.id, role);
  });

  app.get<{ Params: { id: string; sha256: string } }>('/api/photo-cases/:id/files/:sha256', {
    schema: { tags: ['party'], summary: '事故快处: a photo of the case (to both parties and the tenant’s staff)', params: { type: 'object', required: ['id', 'sha256'], additionalProperties: false, properties: { id: { type: 'string', maxLength: 64 }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } } },
  }, async (req, reply) => {
    const p = req.principal;
    if (!p) throw Errors.unauthenticated();
    let tenant = p.tenant;
    if (p.staff) {
      if (!p.staff.roles.some((r) => r === 'officer' || r === 'seat' || r === 'admin')) throw Errors.forbidden('this needs the officer, seat or admin role');
      if (!isUuid(req.params.id)) throw Errors.caseNotFound();
      const c = await getCase(tenantDb(ctx, tenant), tenant, req.params.id);
      if (c.path !== 'photo') throw Errors.caseNotFound();
    } else {
      tenant = (await asParty(req)).c.tenant;
    }
    const type = await evidenceRepo.fileType(tenantDb(ctx, tenant), req.params.id, req.params.sha256, { photo: true });
    const bytes = type && (await ctx.files.get(req.params.sha256));
    if (!type || !bytes) throw Errors.notFound('no such photo in this case');
    return reply.type(type).header('cache-control', 'private, max-age=31536000, immutable').header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox").send(Buffer.from(bytes));
  });

  app.post<{ Params: { id: string; shot: string } }>('/api/photo-cases/:id/shots/:shot', {
    preHandler: requireParty, config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    schema: {
      tags: ['party'], summary: '事故快处: a photo for one shot (multipart, one file), checked like the shot check, stored as evidence (hash chain)',
      params: idShotParams, consumes: ['multipart/form-data'], response: { ...photoCase(201), 413: err(), 415: err() },
    },
  }, async (req, reply) => {
    const { c, role } = await asParty(req);
    const bytes = await onePhoto(req);
    await addShot(ctx, c.tenant, c.id, role, req.params.shot, bytes);
    return reply.status(201).send(await view(c.tenant, c.id, role));
  });

  app.post<WithId>('/api/photo-cases/:id/leave-scene', {
    preHandler: requireParty, schema: { tags: ['party'], summary: '事故快处: party A leaves the scene once every required shot is in', params: idParams, response: photoCase() },
  }, async (req) => {
    const { c, role } = await asParty(req);
    if (role !== 'A') throw Errors.forbidden('party A leaves the scene');
    await leaveScene(ctx, c.tenant, c.id);
    return view(c.tenant, c.id, role);
  });

  app.post<WithId & { Body: Wire.PhotoInviteBody }>('/api/photo-cases/:id/invite', {
    preHandler: requireParty, config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
    schema: { tags: ['party'], summary: '事故快处: party A (re)sends the join link to the other party’s phone', params: idParams, body: { $ref: 'http/photo-invite.schema.json#' }, response: { 200: responseSchema('http/photo-invite-sent.schema.json'), 403: err(), 404: err(), 409: err() } },
  }, async (req): Promise<Wire.PhotoInviteSent> => {
    const { c, role } = await asParty(req);
    if (role !== 'A') throw Errors.forbidden('party A sends the join link');
    const { expiresAt } = await invite(ctx, c.tenant, c.id, req.body.phone);
    return { sent: true, expiresAt: expiresAt.toISOString(), expiresInSeconds: Math.max(0, Math.floor((expiresAt.getTime() - ctx.clock.now().getTime()) / 1000)) };
  });

  app.post<WithId & { Body: Wire.PhotoStatementBody }>('/api/photo-cases/:id/statement', {
    preHandler: requireParty, schema: { tags: ['party'], summary: '事故快处: the caller’s licence, vehicle and statement (replaces their earlier one)', params: idParams, body: { $ref: 'http/photo-statement.schema.json#' }, response: photoCase() },
  }, async (req) => {
    const { c, role } = await asParty(req);
    await recordStatement(ctx, c.tenant, c.id, role, req.body);
    return view(c.tenant, c.id, role);
  });

  app.post<WithId & { Body: Wire.PhotoLiabilityBody }>('/api/photo-cases/:id/liability', {
    preHandler: requireParty, schema: { tags: ['party'], summary: '事故快处: propose the liability (five grades, fault behaviours); signatures start over', params: idParams, body: { $ref: 'http/photo-liability.schema.json#' }, response: photoCase() },
  }, async (req) => {
    const { c, role } = await asParty(req);
    await proposeLiability(ctx, c.tenant, c.id, role, req.body.parties);
    return view(c.tenant, c.id, role);
  });

  app.post<WithId>('/api/photo-cases/:id/sign/code', {
    preHandler: requireParty, config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    schema: { tags: ['party'], summary: '事故快处: send the signing code to the caller’s own phone', params: idParams, response: { 200: responseSchema('http/code-sent.schema.json'), 404: err(), 409: err(), 429: err() } },
  }, async (req): Promise<Wire.CodeSent> => {
    const { c, role, phone } = await asParty(req);
    const { expiresAt, challenge } = await sendSignCode(ctx, c.tenant, c.id, role, phone, clientKey(req));
    return { sent: true, expiresAt: expiresAt.toISOString(), expiresInSeconds: Math.max(0, Math.floor((expiresAt.getTime() - ctx.clock.now().getTime()) / 1000)), challenge };
  });

  app.post<WithId & { Body: Wire.PhotoSignBody }>('/api/photo-cases/:id/sign', {
    preHandler: requireParty, config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    schema: { tags: ['party'], summary: '事故快处: sign the proposed agreement with the SMS code; the second signature issues the 自行协商协议书', params: idParams, body: { $ref: 'http/photo-sign.schema.json#' }, response: { ...photoCase(), 401: err(), 429: err() } },
  }, async (req) => {
    const { c, role, phone } = await asParty(req);
    await signAgreement(ctx, c.tenant, c.id, role, phone, { code: req.body.code, challenge: req.body.challenge, client: clientKey(req) });
    return view(c.tenant, c.id, role);
  });

  app.post<WithId & { Body: Wire.PhotoOnlineBody }>('/api/photo-cases/:id/online', {
    preHandler: requireParty, schema: { tags: ['party'], summary: '事故快处: ask for an online determination (在线定责): the case goes to the officer desk', params: idParams, body: { $ref: 'http/photo-online.schema.json#' }, response: photoCase() },
  }, async (req) => {
    const { c, role } = await asParty(req);
    await requestOnline(ctx, c.tenant, c.id, role, req.body.reason, req.body.note);
    return view(c.tenant, c.id, role);
  });

  app.post<WithId>('/api/photo-cases/:id/acknowledge', {
    preHandler: requireParty, schema: { tags: ['party'], summary: '事故快处: acknowledge receipt of the served determination (签收), once per party', params: idParams, response: photoCase() },
  }, async (req) => {
    const { c, role } = await asParty(req);
    await acknowledge(ctx, c.tenant, c.id, role);
    return view(c.tenant, c.id, role);
  });

  app.post<WithId & { Body: Wire.PhotoCancelBody }>('/api/photo-cases/:id/cancel', {
    preHandler: requireParty, schema: { tags: ['party'], summary: '事故快处: withdraw the case (撤销), A or B, before any signature and before a determination', params: idParams, body: { $ref: 'http/photo-cancel.schema.json#' }, response: photoCase() },
  }, async (req) => {
    const { c, role } = await asParty(req);
    await cancelPhotoCase(ctx, c.tenant, c.id, role, req.body.note);
    return view(c.tenant, c.id, role);
  });

  app.post<WithId & { Body: Wire.PhotoRequestBody }>('/api/photo-cases/:id/photo-requests', {
    preHandler: officer, schema: { tags: ['officer'], summary: '在线定责: ask the parties for more photos before determining', params: idParams, body: { $ref: 'http/photo-request.schema.json#' }, response: photoCase(201) },
  }, async (req, reply) => {
    const s = staffOf(req);
    if (!isUuid(req.params.id)) throw Errors.caseNotFound();
    await requestPhotos(ctx, s.tenant, req.params.id, s.id, req.body.note, req.body.from);
    return reply.status(201).send(await view(s.tenant, req.params.id, null));
  });
}

/** The one photo of a multipart request, within the photo path's size limit. */
async function onePhoto(req: FastifyRequest): Promise<Uint8Array> {
  const part = await req.file({ limits: { fileSize: PHOTO_LIMITS.maxBytes, files: 1, fields: 0 } });
  if (!part) throw Errors.validation('no file in the request');
  const bytes = new Uint8Array(await part.toBuffer());
  if (part.file.truncated) throw Errors.fileTooLarge(`photos are limited to ${PHOTO_LIMITS.maxBytes / 1024 / 1024} MB`);
  return bytes;
}
