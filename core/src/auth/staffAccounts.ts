/** Staff accounts as the sign-in, the admin and the analysts' labels read them. */
import { tenantDb, type CoreContext } from '../context.ts';
import { staffRepo, type StaffCredentials } from '../persistence/staff.ts';

export type { StaffCredentials };

export const staffCredentials = (ctx: Pick<CoreContext, 'db'>, tenant: string, username: string): Promise<StaffCredentials | undefined> =>
  staffRepo.credentials(tenantDb(ctx, tenant), username);

export const staffExists = (ctx: Pick<CoreContext, 'db'>, tenant: string, username: string): Promise<boolean> =>
  staffRepo.exists(tenantDb(ctx, tenant), username);

/** Names of staff ids of the given tenants (each tenant asked in its own scope). */
export async function staffNames(ctx: Pick<CoreContext, 'db'>, tenants: readonly string[], ids: readonly string[]): Promise<Array<{ id: string; username: string; display_name: string }>> {
  if (!ids.length) return [];
  const rows = [];
  for (const t of tenants) rows.push(...(await staffRepo.names(tenantDb(ctx, t), ids)));
  return rows;
}
