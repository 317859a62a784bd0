/**
 * A published profile goes live on every server process without a restart. Activation writes
 * `profile_active` and sends `pg_notify('kuaichu_profiles', tenant)` in one transaction; each
 * process LISTENs (PostgreSQL delivers after commit, to every connection of the cluster; PGlite
 * in-process), reads the city's active version from the database and swaps the compiled city
 * (and, when its integrations changed, the city's ports) into its directories. Notes are handled
 * one at a time, each reading what is active *now*, so the last activation wins everywhere.
 */
import { tenantDb, type CoreContext, type LiveCityDirectory } from '../context.ts';
import type { Db } from '../db/db.ts';
import { acrossTenants } from '../db/tenantDb.ts';
import type { LivePortDirectory } from '../plugins/host.ts';
import type { CompiledCity } from '../policy/city.ts';
import { formatProblem } from '../profile/index.ts';
import { profileVersionsRepo } from '../persistence/profileVersions.ts';
import { checkUpload } from './check.ts';

export const PROFILE_CHANNEL = 'kuaichu_profiles';

export interface ProfileLive {
  /** Serves `tenant`'s active published version in this process (a no-op when it already does). */
  apply(tenant: string): Promise<void>;
  close(): Promise<void>;
}

interface LiveLog {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * The cities a starting server serves: the files in cities/, each replaced by its city's active
 * published version, plus cities that exist only as published versions (onboarded by the
 * platform operator). A stored version that no longer compiles (a boundary file gone) is listed
 * as a problem; the file, if any, is served instead.
 */
export async function withPublished(db: Db, files: readonly CompiledCity[], citiesDir?: string): Promise<{ cities: CompiledCity[]; problems: string[] }> {
  const rows = await acrossTenants(db, 'live profile versions at start', (q) => profileVersionsRepo.allActive(q));
  const byTenant = new Map(files.map((c) => [c.tenant, c]));
  const problems: string[] = [];
  for (const row of rows) {
    const checked = checkUpload(row.source, row.file_name, row.tenant, citiesDir ? { citiesDir } : {});
    if (!checked.ok) {
      problems.push(`${row.tenant} v${row.version}: ${checked.problems.map(formatProblem).join('; ')}`);
      continue;
    }
    byTenant.set(row.tenant, { ...checked.city, version: row.version });
  }
  return { cities: [...byTenant.values()].sort((a, b) => a.tenant.localeCompare(b.tenant)), problems };
}

export async function startProfileLive(ctx: CoreContext, dirs: { cities: LiveCityDirectory; ports: LivePortDirectory; citiesDir?: string }, log: LiveLog): Promise<ProfileLive> {
  let chain: Promise<void> = Promise.resolve();
  const applyNow = async (tenant: string) => {
    const row = await profileVersionsRepo.activeSource(tenantDb(ctx, tenant));
    if (!row) return;
    const current = dirs.cities.has(tenant) ? dirs.cities.get(tenant) : undefined;
    if (current?.version === row.version) return;
    const checked = checkUpload(row.source, row.file_name, tenant, dirs.citiesDir ? { citiesDir: dirs.citiesDir } : {});
    if (!checked.ok) {
      log.error({ tenant, version: row.version, problems: checked.problems.map(formatProblem) }, 'active profile version does not compile here; the previous one stays');
      return;
    }
    const city: CompiledCity = { ...checked.city, version: row.version };
    if (!current || JSON.stringify(current.profile.integrations ?? []) !== JSON.stringify(city.profile.integrations ?? [])) await dirs.ports.load(city);
    dirs.cities.put(city);
    log.info({ tenant, version: row.version }, 'profile version live');
  };
  // One at a time, in the order the notes arrived.
  const apply = (tenant: string) => (chain = chain.then(() => applyNow(tenant)).catch((err) => log.error({ err, tenant }, 'profile activation failed in this process')));
  const unlisten = await ctx.db.listen(PROFILE_CHANNEL, (tenant) => void apply(tenant));
  return {
    apply: (tenant) => apply(tenant),
    async close() {
      await unlisten();
      await chain;
    },
  };
}
