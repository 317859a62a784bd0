/**
 * `kuaichu admin create --tenant harbin --role admin --login wang.li [--name 王力] [--brigade daoli]`:
 * a staff account made straight in the server's database (DATABASE_URL, else PGlite in
 * KUAICHU_DATA_DIR or ./data): the first admin of a city, or with `--tenant platform --role
 * platform_operator` the platform operator. The password comes from KUAICHU_ADMIN_PASSWORD or a
 * prompt, never an argument, and a weak one is refused.
 */
import { createStaff, DataDirLockedError, KcError, openServerDb, PLATFORM_TENANT, rolesProblem, servedCities, weakPasswordReason } from '@kuaichu/core/operations';
import type { StaffRole } from '@kuaichu/core/generated/types.ts';
import type { Io } from '../io.ts';
import { parseFlags, UsageError } from '../args.ts';
import { NoSecretError, readSecret } from '../secret.ts';

const ROLES: readonly StaffRole[] = ['seat', 'officer', 'analyst', 'provincial_analyst', 'admin', 'platform_operator'];
export const PASSWORD_ENV = 'KUAICHU_ADMIN_PASSWORD';

export async function adminCommand(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new UsageError('usage: kuaichu admin create --tenant T --role R[,R2] --login NAME [--name DISPLAY] [--brigade ID]');
  const { values } = parseFlags(rest, { tenant: { type: 'string' }, role: { type: 'string' }, login: { type: 'string' }, name: { type: 'string' }, brigade: { type: 'string' }, password: { type: 'string' } });
  if (values.password !== undefined) throw new UsageError(`a password is never an argument (it would stay in the shell history and show in ps): set ${PASSWORD_ENV} or answer the prompt`);
  const { tenant, login } = values;
  if (!tenant || !values.role || !login) throw new UsageError('--tenant, --role and --login are required');
  if (!/^[a-z0-9][a-z0-9._-]{1,47}$/.test(login)) throw new UsageError('--login: 2–48 of a-z 0-9 . _ - (starting with a letter or digit)');
  const roles = values.role.split(',').map((r) => r.trim()) as StaffRole[];
  const unknown = roles.filter((r) => !ROLES.includes(r));
  if (unknown.length) throw new UsageError(`--role: unknown ${unknown.join(', ')} (roles: ${ROLES.join(', ')})`);
  const roleProblem = rolesProblem(tenant, roles);
  if (roleProblem) throw new UsageError(`--role: ${roleProblem}`);

  // The password before the database: a refusal costs nothing and leaves nothing behind.
  let password: string;
  try {
    password = await readSecret(PASSWORD_ENV, `Password for ${login}@${tenant}`, { confirm: true, env });
  } catch (err) {
    if (err instanceof NoSecretError) {
      io.err(`kuaichu admin create: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const weak = weakPasswordReason(password, { username: login, tenant });
  if (weak) {
    io.err(`kuaichu admin create: the password is too weak (${weak}); use at least 12 characters, not a common password, not the user name or city`);
    return 1;
  }

  let db;
  try {
    db = await openServerDb(env);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      io.err(`kuaichu admin create: ${err.message}\n  stop the server first (the embedded database takes one process), or run kuaichu with the server's DATABASE_URL`);
      return 1;
    }
    io.err(`kuaichu admin create: cannot open the database: ${(err as Error).message}\n  check DATABASE_URL (or KUAICHU_DATA_DIR for the embedded database)`);
    return 1;
  }
  try {
    if (tenant !== PLATFORM_TENANT) {
      const cities = await servedCities(db);
      const city = cities.find((c) => c.tenant === tenant);
      if (!city) {
        io.err(`kuaichu admin create: no city "${tenant}" (served: ${cities.map((c) => c.tenant).join(', ') || 'none'}, and ${PLATFORM_TENANT} for the platform operator)`);
        return 1;
      }
      if (values.brigade && !city.profile.routing.brigades.some((b) => b.id === values.brigade)) {
        io.err(`kuaichu admin create: ${tenant} has no brigade "${values.brigade}" (brigades: ${city.profile.routing.brigades.map((b) => b.id).join(', ')})`);
        return 1;
      }
    }
    await createStaff(db, { tenant, username: login, displayName: values.name ?? login, roles, brigadeId: values.brigade ?? null, password }, { actor: null, via: 'kuaichu admin create', at: new Date() });
    io.out(`created ${login}@${tenant} (${roles.join(', ')}) in the ${db.kind === 'postgres' ? 'PostgreSQL' : 'embedded'} database; sign in at /console/login`);
    return 0;
  } catch (err) {
    if (err instanceof KcError) {
      io.err(`kuaichu admin create: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}
