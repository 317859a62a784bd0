/**
 * The duty supervisor (班长): the wallboard (also pushed on /api/live) and sending a waiting case
 * to a seat. Listening in to a call is joining the case's media room as a receive-only
 * participant (media/admission.ts). Tenant from the session; another city's case is not found.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { CaseReassignBody, CaseSummary, Wallboard } from '../../generated/types.ts';
import { wallboard } from '../../supervision/wallboard.ts';
import { reassignCase } from '../../supervision/reassign.ts';
import { getCase } from '../../cases/repository.ts';
import { requireRole, staffOf, tenantDbOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';
import { caseIdParam, idParams, summary, type WithId } from './caseGuards.ts';
import { caseSummary } from '../views.ts';

export async function supervisionRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const supervisor = requireRole('supervisor');
  app.get('/api/supervisor/wallboard', {
    preHandler: requireRole('supervisor', 'admin'),
    schema: { tags: ['supervisor'], summary: "The wallboard: queue depth and oldest wait per brigade, the waiting cases, each seat's status and call time, today's answered-within-target share and abandonment", response: { 200: responseSchema('http/wallboard.schema.json') } },
  }, async (req): Promise<Wallboard> => wallboard(ctx, staffOf(req).tenant));

  app.post<WithId & { Body: CaseReassignBody }>('/api/supervisor/cases/:id/reassign', {
    preHandler: [supervisor, caseIdParam],
    schema: { tags: ['supervisor'], summary: 'Sends a waiting case to a seat: it rings there at once (the seat signed in, free and on shift); audited', params: idParams, body: { $ref: 'http/case-reassign.schema.json#' }, response: summary },
  }, async (req): Promise<CaseSummary> => {
    const s = staffOf(req);
    const c = await reassignCase(ctx, s.tenant, { id: s.id, username: s.username }, req.params.id, req.body.seatId);
    req.log.info({ tenant: s.tenant, caseId: c.id, seatId: req.body.seatId, by: s.username }, 'case reassigned by the duty supervisor');
    return caseSummary(await getCase(tenantDbOf(req), s.tenant, c.id));
  });
}
