/**
 * Seat rosters (排班) and skills: the admin's screen reads every seat's shifts and replaces one
 * seat's (PUT, whole). Tenant from the session; a seat of another city is simply not found.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { SeatRosters, SeatRosterUpdate } from '../../generated/types.ts';
import { rosterView, setSeatRoster } from '../../roster/rosterService.ts';
import { requireRole, staffOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

const USERNAME = { type: 'object', additionalProperties: false, required: ['username'], properties: { username: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{1,47}$' } } };

export async function rosterRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const admin = requireRole('admin');
  const rosters = { 200: responseSchema('http/seat-rosters.schema.json') };
  app.get('/api/admin/rosters', {
    preHandler: admin,
    schema: { tags: ['admin'], summary: "The city's seats with their weekly shifts (city time), skills, on shift now and next shift start", response: rosters },
  }, async (req): Promise<SeatRosters> => rosterView(ctx, staffOf(req).tenant));

  app.put<{ Params: { username: string }; Body: SeatRosterUpdate }>('/api/admin/seats/:username/roster', {
    preHandler: admin,
    schema: {
      tags: ['admin'], summary: "Replaces a seat's weekly shifts (and skills when given); refused whole with every problem; audited before → after",
      params: USERNAME, body: { $ref: 'http/seat-roster-update.schema.json#' }, response: rosters,
    },
  }, async (req): Promise<SeatRosters> => {
    const s = staffOf(req);
    return setSeatRoster(ctx, s.tenant, { id: s.id, username: s.username }, req.params.username, req.body);
  });
}
