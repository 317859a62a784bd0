/**
 * What the case routes of every actor share: the `:id` schema, and the guards that run before
 * a handler as preHandlers — a case id that is no UUID is 404, a seat acts only on its own
 * case (403), a case another tenant or party owns is 404, never 403-with-details.
 */
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { Errors } from '../../errors.ts';
import { getCase, isUuid, type CaseRow } from '../../cases/repository.ts';
import { staffOf, tenantDbOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The case of `:id` once the visibleCase guard let the caller see it. */
    visibleCase: CaseRow | null;
  }
}

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
export type WithId = { Params: { id: string } };

/** The answer of most actions on a case. */
export const summary = { 200: responseSchema('http/case-summary.schema.json') };

const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

/** `:id` must be a UUID (404 otherwise, like a case that does not exist). */
export const caseIdParam: preHandlerHookHandler = async (req) => {
  if (!isUuid(idOf(req))) throw Errors.caseNotFound();
};

/** `:id` and `:reviewId` must both be UUIDs. */
export const reviewIdParams: preHandlerHookHandler = async (req) => {
  const { id, reviewId } = req.params as { id: string; reviewId: string };
  if (!isUuid(id) || !isUuid(reviewId)) throw Errors.caseNotFound();
};

export interface CaseGuards {
  /** The caller sees the case (a party only their own): loads it into `req.visibleCase`; 404 otherwise. */
  visibleCase: preHandlerHookHandler;
  /** A seat acts only on the case it is handling (or the one whose call dropped from it): 403 otherwise. */
  seatOnCase: preHandlerHookHandler;
}

/** The guards of one route plugin (`app`: where the loaded case is kept on the request). */
export function caseGuards(app: FastifyInstance): CaseGuards {
  if (!app.hasRequestDecorator('visibleCase')) app.decorateRequest('visibleCase', null);
  return {
    async visibleCase(req) {
      const p = req.principal;
      if (!p) throw Errors.unauthenticated();
      // A partner person (issue 14) sees a case only through the partner console (/api/partner/cases): 404 here.
      if (p.partner) throw Errors.caseNotFound();
      const c = await getCase(tenantDbOf(req), p.tenant, idOf(req));
      // A party sees their own case: as party A (the reporter) or, on the photo path, as party B once joined.
      if (p.party && !p.staff && c.party_phone !== p.party.phone && c.party_b_phone !== p.party.phone) throw Errors.caseNotFound();
      req.visibleCase = c;
    },
    async seatOnCase(req) {
      const s = staffOf(req);
      const id = idOf(req);
      if (!isUuid(id)) throw Errors.caseNotFound();
      const c = await getCase(tenantDbOf(req), s.tenant, id);
      if (c.seat_id !== s.id && c.preferred_seat !== s.id) throw Errors.forbidden('another seat is handling this case', { state: c.state });
    },
  };
}

/** The case the visibleCase guard loaded. */
export function caseOf(req: FastifyRequest): CaseRow {
  if (!req.visibleCase) throw Errors.caseNotFound();
  return req.visibleCase;
}
