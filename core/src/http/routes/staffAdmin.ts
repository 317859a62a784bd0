/**
 * Bureau administration (issue 17): the city's admin manages its staff accounts and brigades
 * and reads the audit log. Every route needs the admin role and acts only on the signed-in
 * city (row-level security); a name of another city is simply not found (404).
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type {
  AdminAuditLog, AdminBrigadeCreateBody, AdminBrigades, AdminBrigadeUpdateBody, AdminPasswordResetBody, AdminPasswordResetResult,
  AdminStaffChanged, AdminStaffCreateBody, AdminStaffCreated, AdminStaffList, AdminStaffUpdateBody,
} from '../../generated/types.ts';
import { createAccount, listStaff, resetPassword, setDisabled, updateAccount } from '../../admin/staffAccounts.ts';
import { createBrigade, listBrigades, updateBrigade } from '../../admin/brigades.ts';
import { auditCsv, auditEntries, type AuditQuery } from '../../admin/auditLog.ts';
import { requireRole, staffOf, tenantDbOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

const usernameParams = { type: 'object', additionalProperties: false, required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const brigadeParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const emptyBody = { type: 'object', additionalProperties: false, properties: {} } as const;
const auditQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' },
    actor: { type: 'string', maxLength: 64 }, action: { type: 'string', pattern: '^[a-z_]+(\\.[a-z_]*)?$', maxLength: 64 },
    subject: { type: 'string', maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 5000 },
  },
} as const;

export async function staffAdminRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const admin = requireRole('admin');
  const tags = ['admin'];
  const changed = { 200: responseSchema('http/admin-staff-changed.schema.json') };
  const brigades = { 200: responseSchema('http/admin-brigades.schema.json') };

  app.get('/api/admin/staff', { preHandler: admin, schema: { tags, summary: "The city's staff accounts (no passwords)", response: { 200: responseSchema('http/admin-staff.schema.json') } } },
    async (req): Promise<AdminStaffList> => ({ staff: await listStaff(ctx, staffOf(req).tenant) }));

  app.post<{ Body: AdminStaffCreateBody }>('/api/admin/staff', {
    preHandler: admin,
    schema: { tags, summary: 'Create a staff account; without a password one is generated and returned this once (audited, never logged)', body: { $ref: 'http/admin-staff-create.schema.json#' }, response: { 200: responseSchema('http/admin-staff-created.schema.json') } },
  }, async (req): Promise<AdminStaffCreated> => {
    const me = staffOf(req);
    const r = await createAccount(ctx, me, req.body);
    req.log.info({ tenant: me.tenant, username: req.body.username, roles: req.body.roles, by: me.username }, 'staff account created by an admin');
    return r;
  });

  app.patch<{ Params: { username: string }; Body: AdminStaffUpdateBody }>('/api/admin/staff/:username', {
    preHandler: admin,
    schema: { tags, summary: "Change a staff account's name, roles or brigade (audited before → after)", params: usernameParams, body: { $ref: 'http/admin-staff-update.schema.json#' }, response: changed },
  }, async (req): Promise<AdminStaffChanged> => ({ account: await updateAccount(ctx, staffOf(req), req.params.username, req.body) }));

  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post<{ Params: { username: string } }>(`/api/admin/staff/:username/${verb}`, {
      preHandler: admin,
      schema: { tags, summary: disabled ? 'Disable a staff account: sign-in refused, its sessions end (not yourself, not the last admin)' : 'Enable a disabled staff account', params: usernameParams, body: emptyBody, response: changed },
    }, async (req): Promise<AdminStaffChanged> => {
      const r = await setDisabled(ctx, staffOf(req), req.params.username, disabled);
      if (disabled) app.forgetStaff(r.staffId);
      return { account: r.account, ...(disabled ? { sessionsEnded: r.sessionsEnded } : {}) };
    });
  }

  app.post<{ Params: { username: string }; Body: AdminPasswordResetBody }>('/api/admin/staff/:username/password', {
    preHandler: admin,
    schema: { tags, summary: "Reset a staff account's password (the admin's, or a generated one shown once); its sessions end", params: usernameParams, body: { $ref: 'http/admin-password-reset.schema.json#' }, response: { 200: responseSchema('http/admin-password-reset-result.schema.json') } },
  }, async (req): Promise<AdminPasswordResetResult> => {
    const r = await resetPassword(ctx, staffOf(req), req.params.username, req.body?.password);
    app.forgetStaff(r.staffId);
    return { username: req.params.username, ...(r.password ? { password: r.password } : {}) };
  });

  app.get('/api/admin/brigades', { preHandler: admin, schema: { tags, summary: "The city's brigades (大队) and the districts each covers", response: brigades } },
    async (req): Promise<AdminBrigades> => listBrigades(ctx, staffOf(req).tenant));

  app.post<{ Body: AdminBrigadeCreateBody }>('/api/admin/brigades', {
    preHandler: admin,
    schema: { tags, summary: 'Create a brigade; districts named move to it (audited)', body: { $ref: 'http/admin-brigade-create.schema.json#' }, response: brigades },
  }, async (req): Promise<AdminBrigades> => createBrigade(ctx, staffOf(req), req.body));

  app.patch<{ Params: { id: string }; Body: AdminBrigadeUpdateBody }>('/api/admin/brigades/:id', {
    preHandler: admin,
    schema: { tags, summary: 'Rename a brigade or set the districts it covers (audited before → after)', params: brigadeParams, body: { $ref: 'http/admin-brigade-update.schema.json#' }, response: brigades },
  }, async (req): Promise<AdminBrigades> => updateBrigade(ctx, staffOf(req), req.params.id, req.body));

  app.get<{ Querystring: AuditQuery }>('/api/admin/audit', {
    preHandler: admin,
    schema: { tags, summary: "The city's audit log, newest first: who, when, what, before → after (filters: from, to, actor, action or its prefix like 'staff.', subject)", querystring: auditQuery, response: { 200: responseSchema('http/admin-audit.schema.json') } },
  }, async (req): Promise<AdminAuditLog> => ({ entries: await auditEntries(tenantDbOf(req), req.query) }));

  app.get<{ Querystring: AuditQuery }>('/api/admin/audit.csv', {
    preHandler: admin,
    schema: { tags, summary: 'The audit log as CSV (UTF-8 with BOM), same filters', querystring: auditQuery, produces: ['text/csv'] },
  }, async (req, reply) => {
    const csv = auditCsv(await auditEntries(tenantDbOf(req), { ...req.query, limit: req.query.limit ?? 5000 }));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="kuaichu-audit-${staffOf(req).tenant}.csv"`).header('cache-control', 'private, no-store').send(csv);
  });
}
