/**
 * What the operator's command line (`kuaichu admin create`) needs from the core: the database
 * opened exactly as the server opens it (migrated by the owner, then restricted to the app role,
 * so row-level security holds for the CLI too), the tenants the server would serve, and staff
 * accounts.
 */
import path from 'node:path';
import type { Db } from './db/db.ts';
import { openPglite } from './db/pglite.ts';
import { openPostgres } from './db/postgres.ts';
import { migrate } from './db/migrate.ts';
import { repoRoot } from './paths.ts';
import { loadCities } from './profile/index.ts';
import { withPublished } from './publishing/live.ts';
import type { CompiledCity } from './policy/city.ts';

export { createStaff, weakPasswordReason, rolesProblem, PLATFORM_TENANT, PLATFORM_ROLE, type NewStaff } from './auth/staffCreate.ts';
export { DataDirLockedError } from './db/pglite.ts';
export { ConfigurationError, formatConfigProblems, type ConfigProblem } from './startup/configProblems.ts';
export { KcError } from './errors.ts';
export { pluginCatalogue, type PluginCatalogue } from './plugins/catalogue.ts';

/** The server's database: DATABASE_URL, else PGlite in KUAICHU_DATA_DIR or ./data (refused while a server holds it). */
export async function openServerDb(env: NodeJS.ProcessEnv = process.env): Promise<Db> {
  const db = env.DATABASE_URL
    ? await openPostgres(env.DATABASE_URL, { appUrl: env.KUAICHU_APP_DATABASE_URL, max: 2 })
    : await openPglite(path.resolve(env.KUAICHU_DATA_DIR ?? path.join(repoRoot, 'data')));
  try {
    await migrate(db);
    await db.restrict();
    return db;
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** The cities a server on this database would serve: the valid files in cities/, and published cities. */
export async function servedCities(db: Db, citiesDir?: string): Promise<CompiledCity[]> {
  const { cities } = loadCities(citiesDir);
  return (await withPublished(db, cities, citiesDir)).cities;
}
