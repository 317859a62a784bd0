/** Who is asking, for partner routes (issue 14): a partner organisation's signed-in person. */
import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import { Errors } from '../errors.ts';
import type { PartnerPrincipal } from '../auth/sessions.ts';
import type { PartnerKind } from '../persistence/partners.ts';

export function partnerOf(request: FastifyRequest): PartnerPrincipal & { tenant: string } {
  const p = request.principal;
  if (!p?.partner) throw Errors.unauthenticated('sign in to the partner console first');
  return { ...p.partner, tenant: p.tenant };
}

/** preHandler: a signed-in partner person, of one of the kinds when any are named. */
export function requirePartner(...kinds: PartnerKind[]): preHandlerHookHandler {
  return async (request) => {
    const p = partnerOf(request);
    if (kinds.length && !kinds.includes(p.orgKind)) throw Errors.forbidden(`this needs a ${kinds.join(' or ')} organisation`);
  };
}
