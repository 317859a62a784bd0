/**
 * Publishing a city's profile, by the city's admin (own city, from the session) and by the
 * platform operator (any city, named in the path: onboarding). Same service, same checks.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { ProfilePublishBody } from '../../generated/types.ts';
import { activateVersion, listVersions, publishProfile, versionSource, type Publishing } from '../../publishing/service.ts';
import { requireRole, staffOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

// Path parameters arrive as text (no type coercion in this app).
const versionParam = { version: { type: 'string', pattern: '^[1-9][0-9]{0,6}$' } } as const;
const tenantParam = { tenant: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' } } as const;
const params = (props: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: Object.keys(props), properties: props });

/** Who did it: kept with a version as `user@tenant`, and the staff id for the audit log. */
const actor = (req: FastifyRequest) => {
  const s = staffOf(req);
  return { id: s.id, label: `${s.username}@${s.tenant}` };
};

export function profileVersionRoutes(publishing: Publishing) {
  return async (app: FastifyInstance, { ctx }: { ctx: CoreContext }) => {
    // The two doors: the city's admin (tenant from the session) and the platform operator (tenant in the path).
    // Guarded on request, before the body (up to 1 MB of YAML) is read or validated: a caller without the role learns nothing.
    const doors = [
      { prefix: '/api/admin/profile', guard: requireRole('admin'), tenantOf: (req: FastifyRequest) => staffOf(req).tenant, extra: {}, tag: 'admin' },
      { prefix: '/api/platform/tenants/:tenant/profile', guard: requireRole('platform_operator'), tenantOf: (req: FastifyRequest) => (req.params as { tenant: string }).tenant, extra: tenantParam, tag: 'platform' },
    ];
    for (const door of doors) {
      app.get(`${door.prefix}/versions`, {
        onRequest: door.guard,
        schema: { tags: [door.tag], summary: "The city's published profile versions and the live one", ...(door.tag === 'platform' ? { params: params(door.extra) } : {}), response: { 200: responseSchema('http/profile-versions.schema.json') } },
      }, async (req) => listVersions(ctx, door.tenantOf(req)));

      app.post<{ Body: ProfilePublishBody }>(`${door.prefix}/versions`, {
        onRequest: door.guard,
        bodyLimit: 1_100_000,
        schema: {
          tags: [door.tag], summary: 'Publish a profile: checked whole (file:line:col), its examples run, the diff against the live one; kept as the next version, live at once with activate',
          ...(door.tag === 'platform' ? { params: params(door.extra) } : {}), body: { $ref: 'http/profile-publish.schema.json#' }, response: { 200: responseSchema('http/profile-published.schema.json') },
        },
      }, async (req) => publishProfile(ctx, publishing, door.tenantOf(req), req.body, actor(req)));

      app.get<{ Params: { version: string } }>(`${door.prefix}/versions/:version`, {
        onRequest: door.guard,
        schema: { tags: [door.tag], summary: "One version's text and its diff against the live profile", params: params({ ...door.extra, ...versionParam }), response: { 200: responseSchema('http/profile-version.schema.json') } },
      }, async (req) => versionSource(ctx, door.tenantOf(req), Number(req.params.version)));

      app.post<{ Params: { version: string } }>(`${door.prefix}/versions/:version/activate`, {
        onRequest: door.guard,
        schema: { tags: [door.tag], summary: 'Make a version the live profile on every server process (an earlier one: rollback)', params: params({ ...door.extra, ...versionParam }), response: { 200: responseSchema('http/profile-versions.schema.json') } },
      }, async (req) => activateVersion(ctx, publishing, door.tenantOf(req), Number(req.params.version), actor(req)));
    }
  };
}
