/** Admin (read-only): the loaded profile and the development SMS outbox, per tenant. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { AdminProfile, SmsOutboxMessage, SmsOutboxView } from '../../generated/types.ts';
import type { SmsOutbox } from '../../ports/sms.ts';
import { maskPhone } from '../../privacy/mask.ts';
import { requireRole, staffOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

export async function adminRoutes(app: FastifyInstance, { ctx, rejected }: { ctx: CoreContext; rejected: ReadonlyArray<{ file: string; problems: unknown[] }> }) {
  const admin = requireRole('admin');
  app.get('/api/admin/profile', { preHandler: admin, schema: { tags: ['admin'], summary: "The tenant's loaded profile and the validation state of every profile file", response: { 200: responseSchema('http/admin-profile.schema.json') } } }, async (req): Promise<AdminProfile> => {
    const s = staffOf(req);
    const city = ctx.cities.get(s.tenant);
    return { file: city.file, valid: true, profile: city.profile, rejectedFiles: rejected.map((r) => ({ file: r.file, problems: r.problems.length })) };
  });
  app.get<{ Querystring: { to?: string } }>('/api/admin/sms-outbox', {
    preHandler: admin,
    schema: { tags: ['admin'], summary: 'Messages the development SMS driver kept (codes, notices)', querystring: { type: 'object', additionalProperties: false, properties: { to: { type: 'string', pattern: '^1[3-9]\\d{9}$' } } }, response: { 200: responseSchema('http/sms-outbox.schema.json') } },
  }, async (req): Promise<SmsOutboxView> => {
    const s = staffOf(req);
    const sms = ctx.ports.find(s.tenant, 'sms') as Partial<SmsOutbox> | undefined;
    if (!sms?.outbox) return { available: false, messages: [] };
    const messages = await sms.outbox(s.tenant, { ...(req.query.to ? { to: req.query.to } : {}), limit: 200 });
    // The admin sees the text (codes included: that is what the page is for) but not whole numbers.
    return {
      available: true,
      messages: messages.map((m) => {
        // The development driver also keeps the text without the signature and the billed segments.
        const dev = m as Partial<Pick<SmsOutboxMessage, 'body' | 'segments'>>;
        return {
          id: m.id, tenant: m.tenant, to: maskPhone(m.to), text: m.text, kind: m.kind, ...(m.caseId ? { caseId: m.caseId } : {}),
          acceptedAt: new Date(m.acceptedAt).toISOString(), ...(dev.body !== undefined ? { body: dev.body } : {}), ...(dev.segments !== undefined ? { segments: dev.segments } : {}),
        };
      }),
    };
  });
}
