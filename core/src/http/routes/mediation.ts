/**
 * Online mediation (线上调解室, issue 14) over HTTP; the rules are core/src/mediation/mediation.ts.
 *  - the mediator (a partner of kind mediator whose organisation is invited to the case), the seat
 *    on the case or an officer: book, open, record the outcome; list their mediations;
 *  - the parties (A the reporter, B as booked): see the booking and the agreement, sign it with an
 *    SMS code, fetch the 调解协议书 PDF.
 * Every route is for tenants whose profile lists mediation_rooms (409 KC_FEATURE_NOT_OFFERED); a
 * partner asking about a case or mediation it is not invited to gets 404, as if it did not exist.
 */
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { tenantDb } from '../../context.ts';
import { Errors } from '../../errors.ts';
import { getCase, isUuid, type CaseRow } from '../../cases/repository.ts';
import {
  OPENS_EARLY_MS, assertRuns, mediationFor, mediationRole, openMediation, recordOutcome, scheduleMediation, sendMediationSignCode, signMediation,
  type MediationActor, type MediatorAccess, type OutcomeBody, type ScheduleBody,
} from '../../mediation/mediation.ts';
import { mediationsRepo, type MediationRole, type MediationRow } from '../../persistence/mediations.ts';
import { requireFeature } from '../../platform/features.ts';
import { maskPhone } from '../../privacy/mask.ts';
import { toLocal } from '../../policy/localTime.ts';
import { clientKey } from '../clientAddress.ts';
import { responseSchema } from '../responses.ts';

const text = { type: 'string' } as const;
const nText = { type: ['string', 'null'] } as const;
const uuid = { type: 'string', format: 'uuid' } as const;
const err = () => responseSchema('http/error.schema.json');
const errors = { 401: err(), 403: err(), 404: err(), 409: err(), 422: err() } as const;
const grade = { type: 'string', enum: ['full', 'primary', 'equal', 'secondary', 'none'] } as const;
const role = { type: 'string', enum: ['A', 'B'] } as const;
const partySchema = {
  type: 'object', additionalProperties: false, required: ['role', 'name', 'plate', 'liability'],
  properties: { role, name: { type: 'string', minLength: 1, maxLength: 40 }, plate: { type: 'string', minLength: 2, maxLength: 16 }, liability: grade },
} as const;

/** A mediation as its mediator, the staff and the parties see it (phones masked). */
const mediationSchema = {
  type: 'object',
  required: ['id', 'caseId', 'caseNumber', 'status', 'startsAt', 'startsAtLocal', 'mediator', 'signatures'],
  properties: {
    id: text, caseId: text, caseNumber: text,
    status: { type: 'string', enum: ['scheduled', 'open', 'agreed', 'signed', 'not_agreed', 'cancelled', 'no_show'] },
    startsAt: text, startsAtLocal: text, opensAt: text,
    mediator: { type: 'object', properties: { orgId: text, name: text } },
    insurerOrgIds: { type: 'array', items: text },
    partyB: nText,
    you: { type: ['string', 'null'], enum: ['A', 'B', null] },
    openedAt: nText, recordedAt: nText, remindedAt: nText,
    // A no-show (mediation/schedule.ts): when it was marked, and who did not come (the mediator: never opened; A, B: never joined). Book again.
    noShow: { type: ['object', 'null'], properties: { at: text, absent: { type: 'array', items: { type: 'string', enum: ['mediator', 'A', 'B'] } } } },
    outcome: {
      type: ['object', 'null'],
      properties: {
        agreed: { type: 'boolean' }, reason: text, payer: role, payee: role, amountFen: { type: 'integer' }, terms: text,
        parties: { type: 'array', items: { type: 'object', properties: { role, name: text, plate: text, liability: grade } } },
      },
    },
    signatures: { type: 'object', properties: { A: nText, B: nText } },
    document: {
      type: ['object', 'null'],
      properties: { number: text, verifyCode: text, verifyUrl: text, documentUrl: text, ready: { type: 'boolean' }, issuedAt: text },
    },
  },
} as const;
const mediationList = { type: 'object', required: ['mediations'], properties: { mediations: { type: 'array', items: mediationSchema } } } as const;
const scheduled = {
  type: 'object', required: ['mediation', 'invitations'],
  properties: { mediation: mediationSchema, invitations: { type: 'array', items: { type: 'object', properties: { role: text, url: text } } } },
} as const;
const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', maxLength: 64 } } } as const;
const mediationParams = { type: 'object', required: ['mediationId'], additionalProperties: false, properties: { mediationId: { type: 'string', maxLength: 64 } } } as const;
type WithId = { Params: { id: string } };
type WithMediation = { Params: { mediationId: string } };

/** The mediator, seat or officer acting (a party or nobody: 401/403 before anything is read). */
function runner(req: FastifyRequest): { tenant: string; actor: MediationActor; access: MediatorAccess } {
  const p = req.principal;
  if (!p) throw Errors.unauthenticated();
  if (p.partner) {
    return { tenant: p.tenant, actor: { kind: 'partner', personId: p.partner.id, orgId: p.partner.orgId, name: p.partner.displayName }, access: { partnerOrgId: p.partner.orgId, orgKind: p.partner.orgKind } };
  }
  if (p.staff && p.staff.roles.some((r) => r === 'seat' || r === 'officer')) {
    return { tenant: p.tenant, actor: { kind: 'staff', id: p.staff.id, name: p.staff.displayName }, access: { staffId: p.staff.id, roles: p.staff.roles } };
  }
  throw Errors.forbidden('this needs the mediator, the seat on the case or an officer');
}
const requireRunner: preHandlerHookHandler = async (req) => void runner(req);
const requireParty: preHandlerHookHandler = async (req) => {
  const p = req.principal;
  if (!p) throw Errors.unauthenticated();
  if (!p.party || p.staff || p.partner) throw Errors.forbidden('only a party of the case signs its mediation agreement');
};
const uuidParam = (key: 'id' | 'mediationId'): preHandlerHookHandler => async (req) => {
  if (!isUuid((req.params as Record<string, string>)[key] ?? '')) throw key === 'id' ? Errors.caseNotFound() : Errors.notFound('no such mediation');
};

export async function mediationRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const feature = (tenant: string) => requireFeature(ctx.cities.get(tenant), 'mediation_rooms');
  const signedIn: preHandlerHookHandler = async (req) => {
    if (!req.principal) throw Errors.unauthenticated();
  };

  function view(m: MediationRow, c: Pick<CaseRow, 'party_phone' | 'party_b_phone'>, you: MediationRole | null) {
    const city = ctx.cities.get(m.tenant);
    const t = toLocal(new Date(m.starts_at), city.profile.timezone);
    const pad = (n: number) => String(n).padStart(2, '0');
    const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
    const b = m.party_b_phone ?? c.party_b_phone;
    return {
      id: m.id, caseId: m.case_id, caseNumber: m.case_number ?? '', status: m.status,
      startsAt: new Date(m.starts_at).toISOString(),
      startsAtLocal: `${t.year}-${pad(t.month)}-${pad(t.day)}T${pad(Math.floor(t.minute / 60))}:${pad(t.minute % 60)}`,
      opensAt: new Date(new Date(m.starts_at).getTime() - OPENS_EARLY_MS).toISOString(),
      mediator: { orgId: m.mediator_org_id, name: m.mediator_name ?? '' },
      insurerOrgIds: m.insurer_org_ids, partyB: b ? maskPhone(b) : null, you,
      openedAt: iso(m.opened_at), recordedAt: iso(m.recorded_at), remindedAt: iso(m.reminded_at),
      noShow: m.status === 'no_show' ? { at: iso(m.no_show_at)!, absent: m.no_show_absent ?? [] } : null,
      outcome: m.outcome,
      signatures: { A: iso(m.a_signed_at), B: iso(m.b_signed_at) },
      document: m.number && m.verify_code ? {
        number: m.number, verifyCode: m.verify_code, verifyUrl: `${ctx.publicUrl}/verify/${m.verify_code}`,
        documentUrl: `/api/mediations/${m.id}/document`, ready: Boolean(m.document_sha256), issuedAt: iso(m.issued_at)!,
      } : null,
    };
  }

  /** The signed-in party's mediation and role (A or B); 404 when it is not theirs. */
  async function asParty(req: FastifyRequest<WithMediation>): Promise<{ m: MediationRow; c: CaseRow; role: MediationRole; phone: string; tenant: string }> {
    const p = req.principal!;
    feature(p.tenant);
    const db = tenantDb(ctx, p.tenant);
    const m = await mediationsRepo.get(db, req.params.mediationId);
    if (!m) throw Errors.notFound('no such mediation');
    const c = await getCase(db, p.tenant, m.case_id);
    const r = mediationRole(m, c, p.party!.phone);
    if (!r) throw Errors.notFound('no such mediation');
    return { m, c, role: r, phone: p.party!.phone, tenant: p.tenant };
  }

  app.post<WithId & { Body: ScheduleBody }>('/api/cases/:id/mediations', {
    preHandler: [requireRunner, uuidParam('id')],
    schema: {
      tags: ['mediation'], summary: '线上调解: the mediator (invited to the case), the seat on the case or an officer books an online mediation at a time in city time; a booking not yet opened is replaced, a no-show booked again (`replaces` in mediation.scheduled)',
      params: idParams,
      body: {
        type: 'object', additionalProperties: false, required: ['startsAt'],
        properties: {
          startsAt: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$', description: 'local time of the city, YYYY-MM-DDTHH:mm' },
          mediatorOrgId: uuid, insurerOrgIds: { type: 'array', maxItems: 4, items: uuid }, partyBPhone: { type: 'string', pattern: '^1[3-9][0-9]{9}$' },
        },
      },
      response: { 201: scheduled, ...errors },
    },
  }, async (req, reply) => {
    const { tenant, actor, access } = runner(req);
    // The case first (another city's case or one the partner is not invited to: 404), then the feature.
    await assertRuns(ctx, tenant, req.params.id, access);
    feature(tenant);
    const { m, invitations } = await scheduleMediation(ctx, tenant, req.params.id, actor, req.body);
    const c = await getCase(tenantDb(ctx, tenant), tenant, m.case_id);
    req.log.info({ tenant, caseId: m.case_id, mediation: m.id, startsAt: m.starts_at }, 'mediation booked');
    return reply.status(201).send({ mediation: view(m, c, null), invitations });
  });

  app.get<WithId>('/api/cases/:id/mediations', {
    preHandler: [signedIn, uuidParam('id')],
    schema: { tags: ['mediation'], summary: 'The mediations of a case: for its parties, its mediator, the seat on the case or an officer', params: idParams, response: { 200: mediationList, ...errors } },
  }, async (req) => {
    const p = req.principal;
    if (!p) throw Errors.unauthenticated();
    const db = tenantDb(ctx, p.tenant);
    const c = await getCase(db, p.tenant, req.params.id);
    // Who may see it first (a stranger: 404, as if the case did not exist), then the feature.
    let list = await mediationsRepo.ofCase(db, c.id);
    let you: MediationRole | null = null;
    if (p.party && !p.staff) {
      list = list.filter((m) => mediationRole(m, c, p.party!.phone));
      if (!list.length && p.party.phone !== c.party_phone && p.party.phone !== c.party_b_phone) throw Errors.caseNotFound();
      you = list[0] ? mediationRole(list[0], c, p.party.phone) : null;
    } else {
      const { access } = runner(req);
      await assertRuns(ctx, p.tenant, c.id, access);
      if ('partnerOrgId' in access) list = list.filter((m) => m.mediator_org_id === access.partnerOrgId);
    }
    feature(p.tenant);
    return { mediations: list.map((m) => view(m, c, you)) };
  });

  app.get('/api/partner/mediations', {
    schema: { tags: ['mediation'], summary: 'The mediator’s console: its organisation’s mediations (booked, open, recorded)', response: { 200: mediationList, ...errors } },
  }, async (req) => {
    const p = req.principal;
    if (!p) throw Errors.unauthenticated();
    if (!p.partner || p.partner.orgKind !== 'mediator') throw Errors.forbidden('this needs a mediator partner account');
    feature(p.tenant);
    const db = tenantDb(ctx, p.tenant);
    const out = [];
    for (const m of await mediationsRepo.ofOrg(db, p.partner.orgId)) out.push(view(m, await getCase(db, p.tenant, m.case_id), null));
    return { mediations: out };
  });

  app.post<WithMediation & { Body: Record<string, never> }>('/api/mediations/:mediationId/open', {
    preHandler: [requireRunner, uuidParam('mediationId')],
    schema: { tags: ['mediation'], summary: '线上调解: the mediator opens the mediation at its time (from 15 minutes before): the case’s room becomes the mediation room', params: mediationParams, body: { type: 'object', additionalProperties: false }, response: { 200: mediationSchema, ...errors } },
  }, async (req) => {
    const { tenant, actor, access } = runner(req);
    feature(tenant);
    const m = await mediationFor(ctx, tenant, req.params.mediationId, access);
    await openMediation(ctx, tenant, m, actor);
    const db = tenantDb(ctx, tenant);
    return view((await mediationsRepo.get(db, m.id))!, await getCase(db, tenant, m.case_id), null);
  });

  app.post<WithMediation & { Body: OutcomeBody }>('/api/mediations/:mediationId/outcome', {
    preHandler: [requireRunner, uuidParam('mediationId')],
    schema: {
      tags: ['mediation'], summary: '线上调解: the mediator records the outcome — agreed (amount in fen, who pays whom, terms; each party then signs) or not agreed (reason)',
      params: mediationParams,
      body: {
        oneOf: [
          {
            type: 'object', additionalProperties: false, required: ['agreed', 'parties', 'payer', 'payee', 'amountFen'],
            properties: {
              agreed: { const: true }, parties: { type: 'array', minItems: 2, maxItems: 2, items: partySchema }, payer: role, payee: role,
              amountFen: { type: 'integer', minimum: 1, maximum: 100_000_000 }, terms: { type: 'string', maxLength: 500 },
            },
          },
          { type: 'object', additionalProperties: false, required: ['agreed', 'reason'], properties: { agreed: { const: false }, reason: { type: 'string', minLength: 1, maxLength: 500 } } },
        ],
      },
      response: { 200: mediationSchema, ...errors },
    },
  }, async (req) => {
    const { tenant, actor, access } = runner(req);
    feature(tenant);
    const m = await mediationFor(ctx, tenant, req.params.mediationId, access);
    await recordOutcome(ctx, tenant, m, actor, req.body);
    const db = tenantDb(ctx, tenant);
    return view((await mediationsRepo.get(db, m.id))!, await getCase(db, tenant, m.case_id), null);
  });

  app.post<WithMediation>('/api/mediations/:mediationId/sign/code', {
    preHandler: [requireParty, uuidParam('mediationId')], config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    schema: { tags: ['mediation'], summary: '线上调解: send the signing code to the party’s own phone', params: mediationParams, response: { 200: responseSchema('http/code-sent.schema.json'), ...errors, 429: err() } },
  }, async (req) => {
    const { m, role: r, phone, tenant } = await asParty(req);
    const { expiresAt, challenge } = await sendMediationSignCode(ctx, tenant, m, r, phone, clientKey(req));
    return { sent: true, expiresAt: expiresAt.toISOString(), expiresInSeconds: Math.max(0, Math.floor((expiresAt.getTime() - ctx.clock.now().getTime()) / 1000)), challenge };
  });

  app.post<WithMediation & { Body: { code: string; challenge: string } }>('/api/mediations/:mediationId/sign', {
    preHandler: [requireParty, uuidParam('mediationId')], config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    schema: {
      tags: ['mediation'], summary: '线上调解: the party signs the mediation agreement with the SMS code; the second signature issues the 调解协议书 (PDF, QR verification)',
      params: mediationParams, body: { $ref: 'http/photo-sign.schema.json#' }, response: { 200: mediationSchema, ...errors, 429: err() },
    },
  }, async (req) => {
    const { m, c, role: r, phone, tenant } = await asParty(req);
    await signMediation(ctx, tenant, m, r, phone, { code: req.body.code, challenge: req.body.challenge, client: clientKey(req) });
    return view((await mediationsRepo.get(tenantDb(ctx, tenant), m.id))!, c, r);
  });

  app.get<WithMediation>('/api/mediations/:mediationId/document', {
    preHandler: [signedIn, uuidParam('mediationId')],
    schema: { tags: ['mediation'], summary: 'The 调解协议书 PDF: for its parties, its mediator, the seat on the case or an officer (503 while it is being prepared)', params: mediationParams, response: { ...errors, 503: err() } },
  }, async (req, reply) => {
    const p = req.principal;
    if (!p) throw Errors.unauthenticated();
    feature(p.tenant);
    let m: MediationRow;
    if (p.party && !p.staff) m = (await asParty(req)).m;
    else m = await mediationFor(ctx, p.tenant, req.params.mediationId, runner(req).access);
    if (!m.number) throw Errors.notFound('the mediation agreement is not issued');
    if (!m.document_sha256) {
      reply.header('retry-after', '1');
      throw Errors.unavailable('the mediation agreement is being prepared');
    }
    const pdf = await ctx.files.get(m.document_sha256);
    if (!pdf) throw Errors.notFound('the mediation agreement’s file is missing');
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${m.number}.pdf"`).header('cache-control', 'private, max-age=0').send(Buffer.from(pdf));
  });
}
