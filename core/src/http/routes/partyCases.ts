/** The party's case routes: report (报警), resume, leave the queue, apply for review, push claims. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type * as Wire from '../../generated/types.ts';
import type { CaseReportBody, ReviewRequestBody } from '../../generated/types.ts';
import { reportCase } from '../../cases/intake.ts';
import { abandonCase, resumeCall } from '../../cases/queue.ts';
import { pushClaims, requestReview } from '../../cases/aftercare.ts';
import { partyOf, requireParty } from '../auth.ts';
import { caseSummary, claimView, reportedCase } from '../views.ts';
import { listOf, responseSchema } from '../responses.ts';
import { caseGuards, caseOf, idParams, summary, type WithId } from './caseGuards.ts';

export async function partyCaseRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const { visibleCase } = caseGuards(app);
  const ownCase = [requireParty, visibleCase];

  app.post<{ Body: CaseReportBody }>('/api/cases', {
    preHandler: requireParty, config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    schema: {
      tags: ['party'], summary: 'Report an accident (报警); a retry with the same clientKey returns the same case', body: { $ref: 'http/case-report.schema.json#' },
      response: { 200: responseSchema('http/reported-case.schema.json'), 201: responseSchema('http/reported-case.schema.json') },
    },
  }, async (req, reply) => {
    const party = partyOf(req);
    // A party who came through a channel link reports through that channel.
    const report = party.channel && !req.body.report.channel ? { ...req.body.report, channel: party.channel as never } : req.body.report;
    const { case: c, created } = await reportCase(ctx, party.tenant, { clientKey: req.body.clientKey, phone: party.phone, report });
    return reply.status(created ? 201 : 200).send(reportedCase(c));
  });

  app.post<WithId>('/api/cases/:id/resume', { preHandler: ownCase, schema: { tags: ['party'], summary: '继续处理: resume a dropped call', params: idParams, response: summary } }, async (req) => {
    const c = caseOf(req);
    return caseSummary(await resumeCall(ctx, c.tenant, c.id));
  });

  app.post<WithId>('/api/cases/:id/abandon', { preHandler: ownCase, schema: { tags: ['party'], summary: 'Leave the queue', params: idParams, response: summary } }, async (req) => {
    const c = caseOf(req);
    return caseSummary(await abandonCase(ctx, c.tenant, c.id));
  });

  app.post<WithId & { Body: ReviewRequestBody }>('/api/cases/:id/reviews', { preHandler: ownCase, schema: { tags: ['party'], summary: 'Apply for review (复核) within the window', params: idParams, body: { $ref: 'http/review-request.schema.json#' }, response: { 201: responseSchema('http/review-receipt.schema.json') } } }, async (req, reply) => {
    const c = caseOf(req);
    const r = await requestReview(ctx, c.tenant, c.id, partyOf(req).phone, req.body.reason);
    const receipt: Wire.ReviewReceipt = { id: r.id, deadline: r.deadline.toISOString() };
    return reply.status(201).send(receipt);
  });

  app.post<WithId>('/api/cases/:id/claims', { preHandler: ownCase, schema: { tags: ['party'], summary: '定损理赔: push the claim to each vehicle’s insurer', params: idParams, response: { 200: listOf('http/case-view.schema.json#/definitions/ClaimView') } } }, async (req): Promise<Wire.ClaimView[]> => {
    const c = caseOf(req);
    const claims = await pushClaims(ctx, c.tenant, c.id, 'party');
    return claims.map(claimView);
  });
}
