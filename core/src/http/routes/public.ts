/** Public routes: liveness, the cities and their eligibility pre-check, and document verification. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { Errors } from '../../errors.ts';
import type { AccidentReport, CityPublic, DistrictPoint, CitySummary, Decision, DocumentVerification } from '../../generated/types.ts';
import { evaluate } from '../../policy/evaluate.ts';
import { withCoveringCity } from '../../policy/coveringCity.ts';
import type { CompiledCity } from '../../policy/city.ts';
import { mapPointToWgs84 } from '../../policy/datum.ts';
import { createHash } from 'node:crypto';
import { determinationContentSha256, normalizeCode, verifyDocumentCode } from '../../documents/verification.ts';
import { documentForVerification } from '../../cases/reads.ts';
import { liveCity } from '../../cases/intake.ts';
import { maskName, maskPlate } from '../../privacy/mask.ts';
import { listOf, responseSchema } from '../responses.ts';

/**
 * Each named district's point inside it (served, then excluded), worked out once per city, in
 * WGS-84 like every position the API takes and gives (the party app sends it back as a pin).
 */
const pointsCache = new WeakMap<CompiledCity, DistrictPoint[]>();
function districtPoints(c: CompiledCity): DistrictPoint[] {
  let points = pointsCache.get(c);
  if (!points) {
    points = [...c.profile.area.include, ...(c.profile.area.exclude ?? [])].map((name) => {
      const [lng, lat] = mapPointToWgs84(c, ...c.districts.labelPoint(name));
      return { name, lng, lat };
    });
    pointsCache.set(c, points);
  }
  return points;
}

const verifyParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 64 } } } as const;
const verifyResponses = () => ({ 200: responseSchema('http/document-verification.schema.json'), 404: responseSchema('http/error.schema.json') });

/** A browser asks for pages (its Accept names text/html); API clients ask for JSON, for anything, or send no Accept. */
function wantsPage(accept: string | undefined): boolean {
  return (accept ?? '').includes('text/html');
}

const tenantParams = { type: 'object', required: ['tenant'], additionalProperties: false, properties: { tenant: { type: 'string', maxLength: 32 } } } as const;

export async function publicRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  // /readyz (the database, the bus, the media workers) is the observability's: core/src/metrics/routes.ts.

  app.get('/api/cities', { schema: { tags: ['cities'], summary: 'Cities served (tenants)', response: { 200: listOf('http/city-summary.schema.json') } } }, async (): Promise<CitySummary[]> =>
    ctx.cities.all().map((c) => ({ tenant: c.tenant, city: c.profile.city, bureau: c.profile.bureau, channels: c.profile.channels.map((ch) => ch.id), status: c.profile.status ?? 'active' })),
  );

  app.get<{ Params: { tenant: string } }>('/api/cities/:tenant', { schema: { tags: ['cities'], summary: 'What a party needs to know about a city: hours, area, accepted types, questions, fallback', params: tenantParams, response: { 200: responseSchema('http/city-public.schema.json') } } }, async (req): Promise<CityPublic> => {
    const c = ctx.cities.get(req.params.tenant);
    const p = c.profile;
    return {
      tenant: c.tenant, status: p.status ?? 'active', city: p.city, bureau: p.bureau, timezone: p.timezone, hours: c.hours.text, alwaysOpen: c.hours.alwaysOpen,
      districts: p.area.include, excluded: p.area.exclude ?? [], channels: p.channels, accidentTypes: p.eligibility.accidentTypes,
      requires: p.eligibility.requires, disqualifiers: p.eligibility.disqualifiers, maxParties: p.eligibility.maxParties ?? null,
      checklist: p.evidence.checklist, review: p.review, insurers: p.claims.insurers ?? [], fallback: p.fallback, platform: p.platform ?? null,
      now: ctx.clock.now().toISOString(), districtPoints: districtPoints(c), answerWithinSeconds: p.targets?.answerWithinSeconds ?? 30,
      paths: [...c.paths], ...(c.photo && p.photoPath ? { photoPath: p.photoPath } : {}),
    };
  });

  app.post<{ Params: { tenant: string }; Body: AccidentReport }>('/api/cities/:tenant/check', {
    schema: { tags: ['cities'], summary: 'Eligibility pre-check before the call (nothing is stored)', params: tenantParams, body: { $ref: 'accident-report.schema.json#' }, response: { 200: responseSchema('decision.schema.json'), 409: responseSchema('http/error.schema.json') } },
    config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
  }, async (req): Promise<Decision> => withCoveringCity(evaluate(liveCity(ctx, req.params.tenant), req.body, ctx.clock), req.body, req.params.tenant, ctx.cities.all()));

  // The JSON answer lives under /api. The address printed on the document (and in its QR code)
  // is /verify/:code: a browser opening it gets the verification page (web/src/verify), which
  // reads /api/verify/:code; any other client gets the JSON there too (hence Vary: Accept).
  app.get<{ Params: { code: string } }>('/api/verify/:code', {
    schema: { tags: ['documents'], summary: 'Is this e-determination authentic and unaltered? (masked, no personal data)', params: verifyParams, response: verifyResponses() },
  }, async (req, reply) => verification(req.params.code, reply));

  app.get<{ Params: { code: string } }>('/verify/:code', {
    schema: {
      tags: ['documents'],
      summary: 'The address printed on the e-determination and in its QR code: the verification page for a browser, the JSON of GET /api/verify/:code for any other client',
      description: 'A request whose Accept names text/html gets the web app (index.html, no-cache), which shows the verdict; any other request gets the JSON answer of GET /api/verify/:code.',
      params: verifyParams,
      response: verifyResponses(),
    },
  }, async (req, reply) => {
    reply.header('vary', 'accept');
    // The page is the web app's: the not-found handler's page fallback (http/web.ts) serves it.
    if (wantsPage(req.headers.accept)) return reply.callNotFound();
    return verification(req.params.code, reply);
  });

  async function verification(typed: string, reply: FastifyReply): Promise<DocumentVerification | FastifyReply> {
    const code = normalizeCode(typed);
    const d = code ? await documentForVerification(ctx.db, code) : undefined;
    // A document still being prepared has not been served: its code is on no paper and in no SMS yet.
    if (!d || !code || !d.document_sha256) throw Errors.documentNotFound();
    // Authentic: the stored content still hashes to what the code was made from. Intact: the PDF's bytes still hash to its address.
    const contentSha256 = determinationContentSha256(d.content);
    const authentic = contentSha256 === d.content_sha256 && verifyDocumentCode(code, { number: d.number, contentSha256 }, ctx.documentSecret).ok;
    const pdf = await ctx.files.get(d.document_sha256);
    const intact = pdf !== null && createHash('sha256').update(pdf).digest('hex') === d.document_sha256;
    const city = ctx.cities.get(d.tenant);
    const answer: DocumentVerification = {
      authentic, intact, kind: d.kind ?? 'determination', number: d.number, bureau: city.profile.bureau, issuedAt: new Date(d.issued_at).toISOString(),
      servedAt: d.served_at && new Date(d.served_at).toISOString(), documentSha256: d.document_sha256,
      parties: d.parties.map((p) => ({ name: maskName(p.name), plate: maskPlate(p.plate), liability: p.liability })),
    };
    return answer;
  }
}
