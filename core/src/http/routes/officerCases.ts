/** The officer's (事故民警) routes: the cases awaiting a decision, determination, review decisions. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type * as Wire from '../../generated/types.ts';
import type { DeterminationBody, ReviewDecisionBody } from '../../generated/types.ts';
import { determine } from '../../cases/determination.ts';
import { decideReview } from '../../cases/aftercare.ts';
import { officerCases } from '../../cases/reads.ts';
import { requireRole, staffOf, tenantDbOf } from '../auth.ts';
import { caseSummary, caseView } from '../views.ts';
import { listOf, responseSchema } from '../responses.ts';
import { caseIdParam, idParams, reviewIdParams, summary, type WithId } from './caseGuards.ts';

export async function officerCaseRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const officer = requireRole('officer');

  app.get('/api/officer/cases', { preHandler: officer, schema: { tags: ['officer'], summary: 'Cases awaiting determination or a review decision, oldest first', response: { 200: listOf('http/officer-case.schema.json') } } }, async (req): Promise<Wire.OfficerCase[]> => {
    const rows = await officerCases(tenantDbOf(req));
    const now = ctx.clock.now().getTime();
    return rows.map((c) => ({ ...caseSummary(c), ageSeconds: Math.round((now - new Date(c.updated_at).getTime()) / 1000) }));
  });

  app.post<WithId & { Body: DeterminationBody }>('/api/cases/:id/determination', { preHandler: [officer, caseIdParam], schema: { tags: ['officer'], summary: '后台定责: determine liability and serve the e-determination', params: idParams, body: { $ref: 'http/determination.schema.json#' }, response: { 201: responseSchema('http/case-view.schema.json') } } }, async (req, reply) => {
    const s = staffOf(req);
    const c = await determine(ctx, s.tenant, req.params.id, s.id, req.body);
    return reply.status(201).send(await caseView(ctx, c, req.principal!));
  });

  app.post<{ Params: { id: string; reviewId: string }; Body: ReviewDecisionBody }>('/api/cases/:id/reviews/:reviewId/decision', {
    preHandler: [officer, reviewIdParams], schema: { tags: ['officer'], params: { type: 'object', required: ['id', 'reviewId'], properties: { id: { type: 'string', maxLength: 64 }, reviewId: { type: 'string', maxLength: 64 } } }, body: { $ref: 'http/review-decision.schema.json#' }, response: summary },
  }, async (req) => {
    const s = staffOf(req);
    return caseSummary(await decideReview(ctx, s.tenant, req.params.id, s.id, req.params.reviewId, req.body.outcome));
  });
}
