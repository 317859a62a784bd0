/**
 * `kuaichu publish FILE --server URL [--activate] [--dry-run]` and
 * `kuaichu publish --rollback-to N --city T --server URL`: a city profile to a running server
 * through its API, signed in as the city's admin or as the platform operator. The server checks
 * it as `kuaichu validate` does and refuses it whole; the problems are printed as
 * `file:line:col path: message`, then the diff against the live profile.
 *
 * Sign-in: KUAICHU_TOKEN (a session token), else `--login NAME [--tenant T]` with the password
 * from KUAICHU_PASSWORD or a prompt (never an argument). `--tenant platform` signs in the operator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Io } from '../io.ts';
import { number, parseFlags, UsageError } from '../args.ts';
import { NoSecretError, readSecret } from '../secret.ts';

interface Problem { file: string; line: number; col: number; path: string; message: string; hint?: string }

async function call(server: string, method: string, url: string, token: string | null, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const r = await fetch(new URL(url, server), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  let json: Record<string, any> = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { error: { code: 'KC_INTERNAL', message: text.slice(0, 200) } };
  }
  return { status: r.status, json };
}

const formatProblem = (p: Problem) => `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;

export async function publishCommand(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    server: { type: 'string' }, activate: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'rollback-to': { type: 'string' }, 'activate-version': { type: 'string' },
    city: { type: 'string' }, login: { type: 'string' }, tenant: { type: 'string' }, password: { type: 'string' },
  }, true);
  if (values.password !== undefined) throw new UsageError('a password is never an argument: set KUAICHU_PASSWORD or answer the prompt (or set KUAICHU_TOKEN)');
  const server = values.server ?? env.KUAICHU_SERVER;
  if (!server) throw new UsageError('--server URL is required (or KUAICHU_SERVER)');
  // Activating a kept version; an earlier one is the rollback.
  const rollback = number('activate-version', values['activate-version'] ?? values['rollback-to']);
  const file = positionals[0];
  if (rollback === undefined && (!file || positionals.length > 1)) throw new UsageError('usage: kuaichu publish FILE --server URL [--activate] [--dry-run]  |  kuaichu publish --rollback-to N --city T --server URL');

  const source = file ? readFileSync(file, 'utf8') : '';
  // The city: --city, else the profile's own `tenant:` line (the server checks it again).
  const city = values.city ?? /^tenant:\s*["']?([a-z][a-z0-9-]{1,31})/m.exec(source)?.[1];
  if (!city) throw new UsageError('--city T is required (the file names no tenant:)');

  let token = env.KUAICHU_TOKEN ?? null;
  if (!token) {
    if (!values.login) throw new UsageError('sign in: set KUAICHU_TOKEN, or give --login NAME (and --tenant T, default the city; platform for the operator)');
    let password: string;
    try {
      password = await readSecret('KUAICHU_PASSWORD', `Password for ${values.login}@${values.tenant ?? city}`, { env });
    } catch (err) {
      if (err instanceof NoSecretError) return io.err(`kuaichu publish: ${err.message}`), 1;
      throw err;
    }
    const login = await call(server, 'POST', '/api/auth/login', null, { tenant: values.tenant ?? city, username: values.login, password });
    if (login.status !== 200) return io.err(`kuaichu publish: sign-in refused (${login.status} ${login.json.error?.code}: ${login.json.error?.message})`), 1;
    token = login.json.token as string;
  }
  const me = await call(server, 'GET', '/api/me', token);
  if (me.status !== 200) return io.err(`kuaichu publish: the token is not valid on ${server} (${me.status})`), 1;
  const roles: string[] = me.json.staff?.roles ?? [];
  const base = roles.includes('platform_operator') ? `/api/platform/tenants/${city}/profile` : '/api/admin/profile';
  if (!roles.includes('platform_operator') && me.json.tenant !== city) return io.err(`kuaichu publish: signed in to ${me.json.tenant}, not ${city}; an admin publishes only their own city`), 1;

  if (rollback !== undefined) {
    const r = await call(server, 'POST', `${base}/versions/${rollback}/activate`, token);
    if (r.status !== 200) return io.err(`kuaichu publish: ${r.status} ${r.json.error?.code}: ${r.json.error?.message}`), 1;
    io.out(`${city}: version ${r.json.liveVersion} is live on every server process`);
    return 0;
  }
  const r = await call(server, 'POST', `${base}/versions`, token, { fileName: path.basename(file!), source, activate: Boolean(values.activate), dryRun: Boolean(values['dry-run']) });
  if (r.status === 422 && r.json.error?.code === 'KC_PROFILE_INVALID') {
    const problems = (r.json.error.details?.problems ?? []) as Problem[];
    for (const p of problems) io.err(formatProblem({ ...p, file: p.file === path.basename(file!) ? file! : p.file }));
    io.err(`✖ ${file}: refused whole, ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was published`);
    return 1;
  }
  if (r.status !== 200) {
    io.err(`kuaichu publish: ${r.status} ${r.json.error?.code}: ${r.json.error?.message}`);
    return 1;
  }
  if (r.json.diff) io.out(r.json.diff.trimEnd());
  else io.out('(no change against the live profile)');
  const kept = r.json.version === null ? 'checked (dry run, nothing kept)' : `published as version ${r.json.version}`;
  io.out(`✔ ${city}: ${kept}; ${r.json.examples} example${r.json.examples === 1 ? '' : 's'} passed; live: ${r.json.liveVersion === null ? 'the file in cities/' : `version ${r.json.liveVersion}`}${r.json.version !== null && !r.json.activated ? ` (activate with: kuaichu publish --activate-version ${r.json.version} --city ${city} --server ${server})` : ''}`);
  return 0;
}
