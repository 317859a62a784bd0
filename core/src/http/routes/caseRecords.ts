/** Case routes for anyone signed in (a party sees only their own cases; staff their tenant's). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type * as Wire from '../../generated/types.ts';
import { Errors } from '../../errors.ts';
import { dropCall } from '../../cases/queue.ts';
import { getDetermination } from '../../cases/aftercare.ts';
import { caseFileContentType, partyCases, recentCases } from '../../cases/reads.ts';
import { requireRole, requireSignedIn, tenantDbOf } from '../auth.ts';
import { caseSummary, caseView } from '../views.ts';
import { listOf, responseSchema } from '../responses.ts';
import { caseGuards, caseOf, idParams, summary, type WithId } from './caseGuards.ts';

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'video/webm': 'webm', 'video/mp4': 'mp4', 'audio/ogg': 'ogg', 'application/pdf': 'pdf' };
/** A served file's name: its hash's start and the extension of its checked type (never the uploader's name). */
const fileName = (sha256: string, type: string) => `evidence-${sha256.slice(0, 12)}.${EXTENSIONS[type] ?? 'bin'}`;

export async function caseRecordRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const { visibleCase } = caseGuards(app);
  const staffReader = requireRole('seat', 'officer', 'admin');

  app.get('/api/cases', { preHandler: requireSignedIn, schema: { tags: ['cases'], summary: "A party's cases (网办进度); a seat's or officer's recent cases of the tenant", response: { 200: listOf('http/case-summary.schema.json') } } }, async (req): Promise<Wire.CaseSummary[]> => {
    const p = req.principal!;
    // A partner person (issue 14) reads only the cases it is invited to, at /api/partner/cases.
    if (p.partner) throw Errors.forbidden('a partner reads the cases it is invited to at /api/partner/cases');
    const rows = p.party && !p.staff ? await partyCases(tenantDbOf(req), p.party.phone) : await recentCases(tenantDbOf(req));
    return rows.map(caseSummary);
  });

  app.get<WithId>('/api/cases/:id', { preHandler: [requireSignedIn, visibleCase], schema: { tags: ['cases'], summary: 'One case: state, timeline, determination, reviews, claims; staff also see the evidence', params: idParams, response: { 200: responseSchema('http/case-view.schema.json') } } }, async (req) => caseView(ctx, caseOf(req), req.principal!));

  app.get<WithId>('/api/cases/:id/document.pdf', { preHandler: [requireSignedIn, visibleCase], schema: { tags: ['cases'], summary: 'The e-determination (printable)', params: idParams } }, async (req, reply) => {
    const c = caseOf(req);
    const d = await getDetermination(ctx, c.tenant, c.id);
    if (!d) throw Errors.notFound('no determination yet');
    // Rendered after the determination commits (cases/documentIssue.ts): a moment of "being prepared".
    if (!d.document_sha256) throw Errors.unavailable('the e-determination is being prepared; try again in a moment', { retryAfterSeconds: 2 });
    const pdf = await ctx.files.get(d.document_sha256);
    if (!pdf) throw Errors.notFound('no determination yet');
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${d.number}.pdf"`).header('cache-control', 'private, max-age=0').send(Buffer.from(pdf));
  });

  app.get<{ Params: { id: string; sha256: string } }>('/api/cases/:id/files/:sha256', {
    preHandler: [staffReader, visibleCase], schema: { tags: ['cases'], params: { type: 'object', required: ['id', 'sha256'], properties: { id: { type: 'string', maxLength: 64 }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } } },
  }, async (req, reply) => {
    const c = caseOf(req as FastifyRequest);
    const type = await caseFileContentType(tenantDbOf(req), c.id, req.params.sha256);
    const bytes = type && (await ctx.files.get(req.params.sha256));
    if (!type || !bytes) throw Errors.notFound('no such file in this case');
    // Shown inline under its checked type, never sniffed into something else, never a page that runs anything.
    return reply.type(type).header('cache-control', 'private, max-age=31536000, immutable')
      .header('content-disposition', `inline; filename="${fileName(req.params.sha256, type)}"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox")
      .send(Buffer.from(bytes));
  });

  app.post<WithId>('/api/cases/:id/drop', { preHandler: [requireSignedIn, visibleCase], schema: { tags: ['cases'], summary: 'The call dropped', params: idParams, response: summary } }, async (req) => {
    const c = caseOf(req);
    const p = req.principal!;
    return caseSummary(await dropCall(ctx, c.tenant, c.id, p.staff ? `seat:${p.staff.id}` : 'party'));
  });
}
