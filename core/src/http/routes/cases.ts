/**
 * Case routes. Every lookup is scoped by the caller's tenant (and, for a party, their phone):
 * another tenant's or another party's case answers 404, never 403-with-details.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type * as Wire from '../../generated/types.ts';
import type { CaseReportBody, ChecksBody, DeterminationBody, EscalationBody, EvidenceBody, ReviewDecisionBody, ReviewRequestBody, SeatStatusBody } from '../../generated/types.ts';
import { Errors } from '../../errors.ts';
import { reportCase } from '../../cases/intake.ts';
import { abandonCase, answerCall, dropCall, resumeCall, setSeatStatus } from '../../cases/queue.ts';
import { addEvidence } from '../../cases/evidence.ts';
import { addEvidenceFile } from '../../cases/evidenceUpload.ts';
import { runRegistryChecks } from '../../cases/checks.ts';
import { escalate, evacuate } from '../../cases/scene.ts';
import { determine } from '../../cases/determination.ts';
import { decideReview, getDetermination, pushClaims, requestReview } from '../../cases/aftercare.ts';
import { getCase, isUuid, type CaseRow } from '../../cases/repository.ts';
import { assertStorableText } from '../textGuard.ts';
import { partyOf, requireParty, requireRole, requireSignedIn, staffOf } from '../auth.ts';
import { caseSummary, caseView, claimView, reportedCase, seatQueueView } from '../views.ts';
import { listOf, responseSchema } from '../responses.ts';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
type WithId = { Params: { id: string } };
const MAX_UPLOAD = 15 * 1024 * 1024;

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'video/webm': 'webm', 'video/mp4': 'mp4', 'audio/ogg': 'ogg', 'application/pdf': 'pdf' };
/** A served file's name: its hash's start and the extension of its checked type (never the uploader's name). */
const fileName = (sha256: string, type: string) => `evidence-${sha256.slice(0, 12)}.${EXTENSIONS[type] ?? 'bin'}`;

/** The answer of most actions on a case. */
const summary = { 200: responseSchema('http/case-summary.schema.json') };

/** The case if this caller may see it; 404 otherwise. */
async function visibleCase(ctx: CoreContext, req: FastifyRequest<WithId>): Promise<CaseRow> {
  const p = req.principal;
  if (!p) throw Errors.unauthenticated();
  const c = await getCase(ctx.db, p.tenant, req.params.id);
  if (p.party && !p.staff && c.party_phone !== p.party.phone) throw Errors.caseNotFound();
  return c;
}

/** A seat acts only on the case it is handling (or the one whose call dropped from it): 403 otherwise. */
async function assertSeatOnCase(ctx: CoreContext, tenant: string, caseId: string, staffId: string): Promise<void> {
  const c = await getCase(ctx.db, tenant, caseId);
  if (c.seat_id !== staffId && c.preferred_seat !== staffId) throw Errors.forbidden('another seat is handling this case', { state: c.state });
}

export async function caseRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const seat = requireRole('seat');
  const officer = requireRole('officer');
  const staffReader = requireRole('seat', 'officer', 'admin');

  // —— party ——
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

  app.get('/api/cases', { preHandler: requireSignedIn, schema: { tags: ['cases'], summary: "A party's cases (网办进度); a seat's or officer's recent cases of the tenant", response: { 200: listOf('http/case-summary.schema.json') } } }, async (req): Promise<Wire.CaseSummary[]> => {
    const p = req.principal!;
    const rows = p.party && !p.staff
      ? await ctx.db.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND party_phone = $2 ORDER BY reported_at DESC LIMIT 100', [p.tenant, p.party.phone])
      : await ctx.db.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 ORDER BY reported_at DESC LIMIT 200', [p.tenant]);
    return rows.map(caseSummary);
  });

  app.get<WithId>('/api/cases/:id', { preHandler: requireSignedIn, schema: { tags: ['cases'], summary: 'One case: state, timeline, determination, reviews, claims; staff also see the evidence', params: idParams, response: { 200: responseSchema('http/case-view.schema.json') } } }, async (req) => caseView(ctx, await visibleCase(ctx, req), req.principal!));

  app.post<WithId>('/api/cases/:id/resume', { preHandler: requireParty, schema: { tags: ['party'], summary: '继续处理: resume a dropped call', params: idParams, response: summary } }, async (req) => {
    const c = await visibleCase(ctx, req);
    return caseSummary(await resumeCall(ctx, c.tenant, c.id));
  });

  app.post<WithId>('/api/cases/:id/abandon', { preHandler: requireParty, schema: { tags: ['party'], summary: 'Leave the queue', params: idParams, response: summary } }, async (req) => {
    const c = await visibleCase(ctx, req);
    return caseSummary(await abandonCase(ctx, c.tenant, c.id));
  });

  app.post<WithId & { Body: ReviewRequestBody }>('/api/cases/:id/reviews', { preHandler: requireParty, schema: { tags: ['party'], summary: 'Apply for review (复核) within the window', params: idParams, body: { $ref: 'http/review-request.schema.json#' }, response: { 201: responseSchema('http/review-receipt.schema.json') } } }, async (req, reply) => {
    const c = await visibleCase(ctx, req);
    const r = await requestReview(ctx, c.tenant, c.id, partyOf(req).phone, req.body.reason);
    const receipt: Wire.ReviewReceipt = { id: r.id, deadline: r.deadline.toISOString() };
    return reply.status(201).send(receipt);
  });

  app.post<WithId>('/api/cases/:id/claims', { preHandler: requireParty, schema: { tags: ['party'], summary: '定损理赔: push the claim to each vehicle’s insurer', params: idParams, response: { 200: listOf('http/case-view.schema.json#/definitions/ClaimView') } } }, async (req): Promise<Wire.ClaimView[]> => {
    const c = await visibleCase(ctx, req);
    const claims = await pushClaims(ctx, c.tenant, c.id, 'party');
    return claims.map(claimView);
  });

  app.get<WithId>('/api/cases/:id/document.pdf', { preHandler: requireSignedIn, schema: { tags: ['cases'], summary: 'The e-determination (printable)', params: idParams } }, async (req, reply) => {
    const c = await visibleCase(ctx, req);
    const d = await getDetermination(ctx, c.tenant, c.id);
    const pdf = d && (await ctx.files.get(d.document_sha256));
    if (!d || !pdf) throw Errors.notFound('no determination yet');
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${d.number}.pdf"`).header('cache-control', 'private, max-age=0').send(Buffer.from(pdf));
  });

  app.get<{ Params: { id: string; sha256: string } }>('/api/cases/:id/files/:sha256', {
    preHandler: staffReader, schema: { tags: ['cases'], params: { type: 'object', required: ['id', 'sha256'], properties: { id: { type: 'string', maxLength: 64 }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } } },
  }, async (req, reply) => {
    const c = await visibleCase(ctx, req as FastifyRequest<WithId>);
    const [e] = await ctx.db.query<{ content_type: string }>('SELECT content_type FROM evidence WHERE tenant = $1 AND case_id = $2 AND file_sha256 = $3 LIMIT 1', [c.tenant, c.id, req.params.sha256]);
    const bytes = e && (await ctx.files.get(req.params.sha256));
    if (!e || !bytes) throw Errors.notFound('no such file in this case');
    // Shown inline under its checked type, never sniffed into something else, never a page that runs anything.
    return reply.type(e.content_type).header('cache-control', 'private, max-age=31536000, immutable')
      .header('content-disposition', `inline; filename="${fileName(req.params.sha256, e.content_type)}"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox")
      .send(Buffer.from(bytes));
  });

  // —— seat ——
  app.post<{ Body: SeatStatusBody }>('/api/seat/status', { preHandler: seat, schema: { tags: ['seat'], summary: 'Go available or away', body: { $ref: 'http/seat-status.schema.json#' }, response: { 200: responseSchema('http/seat-status-result.schema.json') } } }, async (req): Promise<Wire.SeatStatusResult> => {
    const s = staffOf(req);
    const row = await setSeatStatus(ctx, s.tenant, s.id, req.body.status);
    return { status: row.status, caseId: row.case_id };
  });

  app.get('/api/seat/queue', { preHandler: seat, schema: { tags: ['seat'], summary: "The seat's brigade queue and what is ringing here (also pushed on /api/live)", response: { 200: responseSchema('http/seat-queue.schema.json') } } }, async (req) => {
    const s = staffOf(req);
    return seatQueueView(ctx, s.tenant, s.id, s.brigadeId);
  });

  app.post<WithId>('/api/cases/:id/answer', { preHandler: seat, schema: { tags: ['seat'], summary: '接警: answer the ringing call', params: idParams, response: summary } }, async (req) => {
    const s = staffOf(req);
    return caseSummary(await answerCall(ctx, s.tenant, s.id, req.params.id));
  });

  app.post<WithId>('/api/cases/:id/drop', { preHandler: requireSignedIn, schema: { tags: ['cases'], summary: 'The call dropped', params: idParams, response: summary } }, async (req) => {
    const c = await visibleCase(ctx, req);
    const p = req.principal!;
    return caseSummary(await dropCall(ctx, c.tenant, c.id, p.staff ? `seat:${p.staff.id}` : 'party'));
  });

  app.post<WithId & { Body: EvidenceBody }>('/api/cases/:id/evidence', { preHandler: seat, schema: { tags: ['seat'], summary: 'Record a typed evidence item', params: idParams, body: { $ref: 'http/evidence.schema.json#' }, response: { 201: responseSchema('http/evidence-receipt.schema.json') } } }, async (req, reply) => {
    const s = staffOf(req);
    if (!isUuid(req.params.id)) throw Errors.caseNotFound();
    await assertSeatOnCase(ctx, s.tenant, req.params.id, s.id);
    const row = await addEvidence(ctx, s.tenant, req.params.id, `seat:${s.id}`, { item: req.body.item, data: req.body.data, ...(req.body.supersedes ? { supersedes: req.body.supersedes } : {}) });
    const receipt: Wire.EvidenceReceipt = { id: row.id, seq: row.seq, hash: row.hash };
    return reply.status(201).send(receipt);
  });

  app.post<WithId>('/api/cases/:id/evidence/file', { preHandler: seat, schema: { tags: ['seat'], summary: 'Upload a photo or clip (multipart: field "item", then the file); type checked by content', params: idParams, consumes: ['multipart/form-data'], response: { 201: responseSchema('http/evidence-receipt.schema.json') } } }, async (req, reply) => {
    const s = staffOf(req);
    if (!isUuid(req.params.id)) throw Errors.caseNotFound();
    await assertSeatOnCase(ctx, s.tenant, req.params.id, s.id);
    const part = await req.file({ limits: { fileSize: MAX_UPLOAD, files: 1, fields: 5 } });
    if (!part) throw Errors.validation('no file in the request');
    const bytes = new Uint8Array(await part.toBuffer());
    if (part.file.truncated) throw Errors.fileTooLarge(`files are limited to ${MAX_UPLOAD / 1024 / 1024} MB`);
    const item = (part.fields.item as { value?: string } | undefined)?.value;
    if (!item) throw Errors.validation('the form needs an "item" field (the checklist item) before the file');
    assertStorableText({ item, filename: part.filename }, 'form');
    const { row, stored } = await addEvidenceFile(ctx, s.tenant, req.params.id, `seat:${s.id}`, { item, bytes, filename: part.filename });
    const receipt: Wire.EvidenceReceipt = { id: row.id, seq: row.seq, hash: row.hash, sha256: stored.sha256, contentType: stored.contentType };
    return reply.status(201).send(receipt);
  });

  app.post<WithId & { Body: ChecksBody }>('/api/cases/:id/checks', { preHandler: seat, schema: { tags: ['seat'], summary: 'Automatic checks: driver licence, vehicle, 交强险', params: idParams, body: { $ref: 'http/checks.schema.json#' }, response: { 200: listOf('http/registry-check.schema.json') } } }, async (req): Promise<Wire.RegistryCheckResult[]> => {
    const s = staffOf(req);
    if (!isUuid(req.params.id)) throw Errors.caseNotFound();
    await assertSeatOnCase(ctx, s.tenant, req.params.id, s.id);
    const rows = await runRegistryChecks(ctx, s.tenant, req.params.id, `seat:${s.id}`, req.body);
    return rows.map((r) => {
      // runRegistryChecks records each result as { check, ok, status, detail, … } (cases/checks.ts).
      const result = r.data as Pick<Wire.RegistryCheckResult, 'ok' | 'status' | 'detail'>;
      return { id: r.id, item: r.item, ok: result.ok, status: result.status, detail: result.detail };
    });
  });

  app.post<WithId>('/api/cases/:id/evacuate', { preHandler: seat, schema: { tags: ['seat'], summary: '撤离: push the leave-the-scene notice (checklist must be complete)', params: idParams, response: summary } }, async (req) => {
    const s = staffOf(req);
    await assertSeatOnCase(ctx, s.tenant, req.params.id, s.id);
    return caseSummary(await evacuate(ctx, s.tenant, req.params.id, s.id));
  });

  app.post<WithId & { Body: EscalationBody }>('/api/cases/:id/escalate', { preHandler: requireRole('seat', 'officer'), schema: { tags: ['seat'], summary: 'Send on-site police instead', params: idParams, body: { $ref: 'http/escalation.schema.json#' }, response: summary } }, async (req) => {
    const s = staffOf(req);
    return caseSummary(await escalate(ctx, s.tenant, req.params.id, `seat:${s.id}`, req.body.reason));
  });

  // —— officer ——
  app.get('/api/officer/cases', { preHandler: officer, schema: { tags: ['officer'], summary: 'Cases awaiting determination or a review decision, oldest first', response: { 200: listOf('http/officer-case.schema.json') } } }, async (req): Promise<Wire.OfficerCase[]> => {
    const s = staffOf(req);
    const rows = await ctx.db.query<CaseRow>("SELECT * FROM cases WHERE tenant = $1 AND state IN ('evacuated', 'review_requested') ORDER BY updated_at LIMIT 200", [s.tenant]);
    const now = ctx.clock.now().getTime();
    return rows.map((c) => ({ ...caseSummary(c), ageSeconds: Math.round((now - new Date(c.updated_at).getTime()) / 1000) }));
  });

  app.post<WithId & { Body: DeterminationBody }>('/api/cases/:id/determination', { preHandler: officer, schema: { tags: ['officer'], summary: '后台定责: determine liability and serve the e-determination', params: idParams, body: { $ref: 'http/determination.schema.json#' }, response: { 201: responseSchema('http/case-view.schema.json') } } }, async (req, reply) => {
    const s = staffOf(req);
    if (!isUuid(req.params.id)) throw Errors.caseNotFound();
    const c = await determine(ctx, s.tenant, req.params.id, s.id, req.body);
    return reply.status(201).send(await caseView(ctx, c, req.principal!));
  });

  app.post<{ Params: { id: string; reviewId: string }; Body: ReviewDecisionBody }>('/api/cases/:id/reviews/:reviewId/decision', {
    preHandler: officer, schema: { tags: ['officer'], params: { type: 'object', required: ['id', 'reviewId'], properties: { id: { type: 'string', maxLength: 64 }, reviewId: { type: 'string', maxLength: 64 } } }, body: { $ref: 'http/review-decision.schema.json#' }, response: summary },
  }, async (req) => {
    const s = staffOf(req);
    if (!isUuid(req.params.id) || !isUuid(req.params.reviewId)) throw Errors.caseNotFound();
    return caseSummary(await decideReview(ctx, s.tenant, req.params.id, s.id, req.params.reviewId, req.body.outcome));
  });
}
