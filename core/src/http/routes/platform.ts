/**
 * The platform operator's routes (onboarding): which cities are served and from which profile,
 * and a city's first staff accounts. Nothing here reads a case; the operator's own session is
 * scoped to the `platform` tenant, which has none (auth/staffCreate.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { Errors } from '../../errors.ts';
import type { PlatformTenants, StaffCreateBody, StaffCreated } from '../../generated/types.ts';
import { createStaff } from '../../auth/staffCreate.ts';
import { requireRole, staffOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

export async function platformRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const operator = requireRole('platform_operator');
  app.get('/api/platform/tenants', {
    onRequest: operator,
    schema: { tags: ['platform'], summary: 'The cities served and which profile each runs on', response: { 200: responseSchema('http/platform-tenants.schema.json') } },
  }, async (): Promise<PlatformTenants> => ({
    tenants: ctx.cities.all().map((c) => {
      const status = (c.profile as { status?: string }).status;
      return { tenant: c.tenant, city: c.profile.city, file: c.file, liveVersion: c.version ?? null, ...(status ? { status } : {}) };
    }),
  }));

  app.post<{ Params: { tenant: string }; Body: StaffCreateBody }>('/api/platform/tenants/:tenant/staff', {
    onRequest: operator,
    schema: {
      tags: ['platform'], summary: "Create a staff account of a city (its first admin); the password is checked for strength and never returned",
      params: { type: 'object', additionalProperties: false, required: ['tenant'], properties: { tenant: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' } } },
      body: { $ref: 'http/staff-create.schema.json#' }, response: { 200: responseSchema('http/staff-created.schema.json') },
    },
  }, async (req): Promise<StaffCreated> => {
    const { tenant } = req.params;
    // Only a served city: its profile must be live (published and active, or shipped) before it has staff.
    if (!ctx.cities.has(tenant)) throw Errors.tenantNotFound(`no city "${tenant}" is served; publish and activate its profile first`);
    const { brigadeId } = req.body;
    if (brigadeId && !ctx.cities.get(tenant).profile.routing.brigades.some((b) => b.id === brigadeId)) throw Errors.validation(`${tenant} has no brigade "${brigadeId}"`, { field: 'brigadeId' });
    const { id } = await createStaff(ctx.db, { tenant, username: req.body.username, displayName: req.body.displayName, roles: req.body.roles, brigadeId: brigadeId ?? null, password: req.body.password }, { actor: staffOf(req).id, via: `platform operator ${staffOf(req).username}`, at: ctx.clock.now() });
    req.log.info({ tenant, username: req.body.username, roles: req.body.roles }, 'staff account created by the platform operator');
    return { tenant, id, username: req.body.username, roles: req.body.roles };
  });
}
