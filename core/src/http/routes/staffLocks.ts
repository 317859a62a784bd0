/** Admin: staff accounts locked after failed sign-ins, and lifting a lock (audited). */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { StaffLocks, StaffUnlock } from '../../generated/types.ts';
import { Errors } from '../../errors.ts';
import { lockedAccounts, unlockAccount } from '../../auth/loginThrottle.ts';
import { staffExists } from '../../auth/staffAccounts.ts';
import { requireRole, staffOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

const usernameParams = { type: 'object', additionalProperties: false, required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

export async function staffLockRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const admin = requireRole('admin');
  app.get('/api/admin/staff-locks', { preHandler: admin, schema: { tags: ['admin'], summary: 'Staff accounts of this city locked now after failed sign-ins', response: { 200: responseSchema('http/staff-locks.schema.json') } } }, async (req): Promise<StaffLocks> => {
    const now = ctx.clock.now();
    const locks = await lockedAccounts(ctx.db, staffOf(req).tenant, now);
    return { locks: locks.map((l) => ({ username: l.username, failures: l.failures, lockedForSeconds: Math.max(1, Math.ceil((l.lockedUntil.getTime() - now.getTime()) / 1000)) })) };
  });

  app.post<{ Params: { username: string } }>('/api/admin/staff/:username/unlock', { preHandler: admin, schema: { tags: ['admin'], summary: "Lift a staff account's sign-in lock (same city only; audited)", params: usernameParams, response: { 200: responseSchema('http/staff-unlock.schema.json') } } }, async (req): Promise<StaffUnlock> => {
    const me = staffOf(req);
    const { username } = req.params;
    // Only this city's accounts: an admin of another city gets the same 404 as for a name that does not exist.
    if (!(await staffExists(ctx, me.tenant, username))) throw Errors.notFound(`no staff account "${username}" in this city`);
    const r = await unlockAccount(ctx.db, me.tenant, username, me.id, ctx.clock.now());
    return { username, ...r };
  });
}
