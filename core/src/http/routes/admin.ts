/** Admin (read-only): the loaded profile and the SMS outbox, per tenant. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { AdminProfile, SmsOutboxMessage, SmsOutboxView } from '../../generated/types.ts';
import type { SmsOutbox, StoredSms } from '../../ports/sms.ts';
import { requeueSms, smsOutboxView, type SmsOutboxRow } from '../../sms/view.ts';
import { sendSmsNow } from '../../sms/outbox.ts';
import { Errors } from '../../errors.ts';
import { maskPhone } from '../../privacy/mask.ts';
import { requireRole, staffOf, tenantDbOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

export async function adminRoutes(app: FastifyInstance, { ctx, rejected }: { ctx: CoreContext; rejected: ReadonlyArray<{ file: string; problems: unknown[] }> }) {
  const admin = requireRole('admin');
  app.get('/api/admin/profile', { preHandler: admin, schema: { tags: ['admin'], summary: "The tenant's loaded profile and the validation state of every profile file", response: { 200: responseSchema('http/admin-profile.schema.json') } } }, async (req): Promise<AdminProfile> => {
    const s = staffOf(req);
    const city = ctx.cities.get(s.tenant);
    return { file: city.file, valid: true, profile: city.profile, rejectedFiles: rejected.map((r) => ({ file: r.file, problems: r.problems.length })) };
  });
  const outboxSchema = { 200: responseSchema('http/sms-outbox.schema.json') };
  app.get<{ Querystring: { to?: string } }>('/api/admin/sms-outbox', {
    preHandler: admin,
    schema: { tags: ['admin'], summary: "The city's SMS outbox: codes and notices, their status, tries, last error and receipt", querystring: { type: 'object', additionalProperties: false, properties: { to: { type: 'string', pattern: '^1[3-9]\\d{9}$' } } }, response: outboxSchema },
  }, async (req): Promise<SmsOutboxView> => {
    const rows = await smsOutboxView(tenantDbOf(req), { ...(req.query.to ? { to: req.query.to } : {}), limit: 200 });
    return { available: true, messages: await outboxMessages(staffOf(req).tenant, rows, req.query.to) };
  });
  app.post<{ Params: { id: string } }>('/api/admin/sms-outbox/:id/resend', {
    preHandler: admin,
    schema: { tags: ['admin'], summary: 'Sends a dead SMS, or one that may have gone out, again (not a sign-in code: the party asks for a new one)', params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } }, response: outboxSchema },
  }, async (req): Promise<SmsOutboxView> => {
    const tenant = staffOf(req).tenant;
    const db = tenantDbOf(req);
    if (!(await db.tx((q) => requeueSms(q, req.params.id, ctx.clock.now())))) throw Errors.notFound('no dead or maybe-sent SMS with this id (sign-in codes are not sent again)');
    req.log.info({ tenant, delivery: req.params.id, by: staffOf(req).username }, 'sms sent again by an admin');
    await sendSmsNow(ctx, tenant, [req.params.id], req.log);
    return { available: true, messages: await outboxMessages(tenant, await smsOutboxView(db, { id: req.params.id, limit: 1 })) };
  });

  /** The wire form; the development driver keeps the text as it "delivered" it (signature first, the code shown: that is what its page is for). */
  async function outboxMessages(tenant: string, rows: SmsOutboxRow[], to?: string): Promise<SmsOutboxMessage[]> {
    const dev = ctx.ports.find(tenant, 'sms') as Partial<SmsOutbox> | undefined;
    const kept = new Map<string, StoredSms & Partial<Pick<SmsOutboxMessage, 'body' | 'segments'>>>();
    if (dev?.outbox) for (const m of await dev.outbox(tenant, { ...(to ? { to } : {}), limit: 400 })) kept.set(m.id, m);
    const iso = (t: Date | null) => (t ? new Date(t).toISOString() : undefined);
    return rows.map((r) => {
      const d = r.external_id ? kept.get(r.external_id) : undefined;
      return {
        id: r.id, tenant, to: maskPhone(r.target), text: d?.text ?? r.payload.text, kind: r.payload.kind, ...(r.case_id ? { caseId: r.case_id } : {}),
        status: r.status, attempts: r.attempts, ...(r.last_error ? { lastError: r.last_error } : {}), queuedAt: iso(r.created_at)!,
        ...(r.expires_at ? { expiresAt: iso(r.expires_at)! } : {}), ...(r.external_id ? { vendorId: r.external_id } : {}),
        ...(r.delivered_at ? { acceptedAt: iso(r.delivered_at)! } : {}),
        ...(r.receipt_delivered !== null ? { receipt: { delivered: r.receipt_delivered, code: r.receipt_code ?? '', reportedAt: iso(r.receipt_at)! } } : {}),
        ...(d?.body !== undefined ? { body: d.body } : {}), ...(d?.segments !== undefined ? { segments: d.segments } : {}),
      };
    });
  }
}
