/** CSV import of staff accounts (admin): every bad row reported with its line, nothing imported unless all are good. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { StaffImportBody, StaffImported } from '../../generated/types.ts';
import { importStaff } from '../../admin/staffImport.ts';
import { requireRole, staffOf } from '../auth.ts';
import { responseSchema } from '../responses.ts';

export async function staffImportRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  app.post<{ Body: StaffImportBody }>('/api/admin/staff/import', {
    preHandler: requireRole('admin'),
    bodyLimit: 1_100_000,
    schema: {
      tags: ['admin'], summary: 'Creates staff accounts from a CSV file (all rows or none; dryRun checks only); generated passwords shown once; audited',
      body: { $ref: 'http/staff-import.schema.json#' }, response: { 200: responseSchema('http/staff-imported.schema.json') },
    },
  }, async (req): Promise<StaffImported> => {
    const s = staffOf(req);
    const out = await importStaff(ctx, { id: s.id, tenant: s.tenant, username: s.username }, req.body.csv, req.body.dryRun ?? false);
    req.log.info({ tenant: s.tenant, by: s.username, count: out.count, dryRun: out.dryRun }, 'staff imported from CSV');
    return out;
  });
}
