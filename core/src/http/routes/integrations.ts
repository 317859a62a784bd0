/**
 * Callbacks from counterparts (no session: the request's KC1 signature is its credential).
 * POST /api/integrations/dispatch/:tenant/status — the command centre reports the on-site
 * officers' status (dispatched, arrived, closed); the city's dispatch integration verifies the
 * signature over the exact bytes received (core/src/deliveries/signing.ts), then the report
 * becomes a case event (core/src/deliveries/dispatchStatus.ts). A city without a dispatch
 * integration that takes callbacks answers 401 like a bad signature (nothing to sign with).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type * as Wire from '../../generated/types.ts';
import { Errors } from '../../errors.ts';
import { recordDispatchStatus } from '../../deliveries/dispatchStatus.ts';
import { responseSchema } from '../responses.ts';

const raw = new WeakMap<FastifyRequest, string>();

export async function integrationRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  // This plugin's own JSON parser keeps the bytes as received: the signature covers them, not a re-serialisation.
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 16 * 1024 }, (req, body, done) => {
    raw.set(req, body as string);
    parse(req, body as string, done);
  });

  app.post<{ Params: { tenant: string }; Body: Wire.DispatchStatusBody }>('/api/integrations/dispatch/:tenant/status', {
    config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    schema: {
      tags: ['integrations'], summary: 'The dispatch desk reports the on-site officers’ status (KC1-signed callback)',
      params: { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' } } },
      body: { $ref: 'http/dispatch-status.schema.json#' },
      response: { 200: responseSchema('http/dispatch-status-receipt.schema.json') },
    },
  }, async (req): Promise<Wire.DispatchStatusReceipt> => {
    const { tenant } = req.params;
    const port = ctx.cities.has(tenant) ? ctx.ports.find(tenant, 'dispatch') : undefined;
    if (!port?.verifyCallback) throw Errors.signatureInvalid('this city takes no dispatch callbacks');
    const check = port.verifyCallback({ method: req.method, path: req.url, body: raw.get(req) ?? '', headers: req.headers });
    if (!check.ok) throw Errors.signatureInvalid(`dispatch callback refused: ${check.reason}`);
    return recordDispatchStatus(ctx, tenant, req.body);
  });
}
