/** The seat's (接警员) routes: status, queue, answering, evidence, checks, evacuation, escalation. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type * as Wire from '../../generated/types.ts';
import type { ChecksBody, EscalationBody, EvidenceBody, LicenceReadBody, PlateReviewBody, SeatStatusBody } from '../../generated/types.ts';
import { Errors } from '../../errors.ts';
import { answerCall, setSeatStatus } from '../../cases/queue.ts';
import { addEvidence } from '../../cases/evidence.ts';
import { addEvidenceFile } from '../../cases/evidenceUpload.ts';
import { runRegistryChecks } from '../../cases/checks.ts';
import { reviewPlateReading } from '../../cases/plateReading.ts';
import { readLicencePhoto } from '../../cases/licenceReading.ts';
import { escalate, evacuate } from '../../cases/scene.ts';
import { assertStorableText } from '../textGuard.ts';
import { requireRole, staffOf } from '../auth.ts';
import { caseSummary, seatQueueView } from '../views.ts';
import { listOf, responseSchema } from '../responses.ts';
import { caseGuards, idParams, summary, type WithId } from './caseGuards.ts';

const MAX_UPLOAD = 15 * 1024 * 1024;

export async function seatCaseRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const seat = requireRole('seat');
  const { seatOnCase } = caseGuards(app);
  const seatOnItsCase = [seat, seatOnCase];

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

  app.post<WithId & { Body: EvidenceBody }>('/api/cases/:id/evidence', { preHandler: seatOnItsCase, schema: { tags: ['seat'], summary: 'Record a typed evidence item', params: idParams, body: { $ref: 'http/evidence.schema.json#' }, response: { 201: responseSchema('http/evidence-receipt.schema.json') } } }, async (req, reply) => {
    const s = staffOf(req);
    const row = await addEvidence(ctx, s.tenant, req.params.id, `seat:${s.id}`, { item: req.body.item, data: req.body.data, ...(req.body.supersedes ? { supersedes: req.body.supersedes } : {}) });
    const receipt: Wire.EvidenceReceipt = { id: row.id, seq: row.seq, hash: row.hash };
    return reply.status(201).send(receipt);
  });

  app.post<WithId>('/api/cases/:id/evidence/file', { preHandler: seatOnItsCase, schema: { tags: ['seat'], summary: 'Upload a photo or clip (multipart: field "item", then the file); type checked by content', params: idParams, consumes: ['multipart/form-data'], response: { 201: responseSchema('http/evidence-receipt.schema.json') } } }, async (req, reply) => {
    const s = staffOf(req);
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

  app.post<WithId & { Body: ChecksBody }>('/api/cases/:id/checks', { preHandler: seatOnItsCase, schema: { tags: ['seat'], summary: 'Automatic checks: driver licence, vehicle, 交强险', params: idParams, body: { $ref: 'http/checks.schema.json#' }, response: { 200: listOf('http/registry-check.schema.json') } } }, async (req): Promise<Wire.RegistryCheckResult[]> => {
    const s = staffOf(req);
    const rows = await runRegistryChecks(ctx, s.tenant, req.params.id, `seat:${s.id}`, req.body);
    return rows.map((r) => {
      // runRegistryChecks records each result as { check, ok, status, detail, … } (cases/checks.ts).
      const result = r.data as Pick<Wire.RegistryCheckResult, 'ok' | 'status' | 'detail'>;
      return { id: r.id, item: r.item, ok: result.ok, status: result.status, detail: result.detail };
    });
  });

  app.post<WithId & { Body: PlateReviewBody }>('/api/cases/:id/checks/plate-review', { preHandler: seatOnItsCase, schema: { tags: ['seat'], summary: 'Confirm or correct a plate reading (OCR): a new evidence item that supersedes it', params: idParams, body: { $ref: 'http/plate-review.schema.json#' }, response: { 201: responseSchema('http/registry-check.schema.json') } } }, async (req, reply) => {
    const s = staffOf(req);
    const row = await reviewPlateReading(ctx, s.tenant, req.params.id, `seat:${s.id}`, req.body);
    const result = row.data as Pick<Wire.RegistryCheckResult, 'ok' | 'status' | 'detail'>;
    const answer: Wire.RegistryCheckResult = { id: row.id, item: row.item, ok: result.ok, status: result.status, detail: result.detail };
    return reply.status(201).send(answer);
  });

  app.post<WithId & { Body: LicenceReadBody }>('/api/cases/:id/licence-reading', { preHandler: seatOnItsCase, schema: { tags: ['seat'], summary: 'Read a driver or vehicle licence off a photo of this case (OCR): fields to pre-fill the checks, not evidence', params: idParams, body: { $ref: 'http/licence-read.schema.json#' }, response: { 200: responseSchema('http/licence-reading.schema.json') } } }, async (req): Promise<Wire.LicenceReadingView> => {
    const s = staffOf(req);
    return readLicencePhoto(ctx, s.tenant, req.params.id, req.body.photo);
  });

  app.post<WithId>('/api/cases/:id/evacuate', { preHandler: seatOnItsCase, schema: { tags: ['seat'], summary: '撤离: push the leave-the-scene notice (checklist must be complete)', params: idParams, response: summary } }, async (req) => {
    const s = staffOf(req);
    return caseSummary(await evacuate(ctx, s.tenant, req.params.id, s.id));
  });

  app.post<WithId & { Body: EscalationBody }>('/api/cases/:id/escalate', { preHandler: requireRole('seat', 'officer'), schema: { tags: ['seat'], summary: 'Send on-site police instead', params: idParams, body: { $ref: 'http/escalation.schema.json#' }, response: summary } }, async (req) => {
    const s = staffOf(req);
    return caseSummary(await escalate(ctx, s.tenant, req.params.id, `seat:${s.id}`, req.body.reason));
  });
}
