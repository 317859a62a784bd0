/**
 * Publishing a city profile: check an upload whole (checkUpload), show its diff against the live
 * profile, keep it as the city's next version, activate a version (a rollback is activating an
 * earlier one). Activation is one transaction with its NOTIFY (live.ts), then applied here at once,
 * so the answer means "live in this process" and the others follow on the notification.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { tenantDb, type CoreContext } from '../context.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import { Errors } from '../errors.ts';
import type { ProfilePublished, ProfileVersions, ProfileVersionSource } from '../generated/types.ts';
import { profileVersionsRepo } from '../persistence/profileVersions.ts';
import type { PluginCatalogue } from '../plugins/catalogue.ts';
import { repoRoot } from '../paths.ts';
import { formatProblem } from '../profile/index.ts';
import type { CompiledCity } from '../policy/city.ts';
import { cityProblems, type ConfigProblem } from '../startup/configProblems.ts';
import { checkUpload } from './check.ts';
import { audit } from '../auth/audit.ts';
import { PROFILE_CHANNEL, type ProfileLive } from './live.ts';

/** Who publishes or activates: the staff id (audit log) and `user@tenant` (kept with the version). */
export interface Actor {
  id: string;
  label: string;
}

export interface Publishing {
  live: ProfileLive;
  catalogue: PluginCatalogue;
  production: boolean;
  env: NodeJS.ProcessEnv;
  citiesDir?: string;
}

/** The live profile's text and name: its active version, else the city's file; none for a city not yet onboarded. */
async function liveText(ctx: CoreContext, q: TenantQueryable): Promise<{ name: string; text: string; version: number | null }> {
  const row = await profileVersionsRepo.activeSource(q);
  if (row) return { name: `${row.file_name} (v${row.version})`, text: row.source, version: row.version };
  if (!ctx.cities.has(q.tenant)) return { name: '(none)', text: '', version: null };
  const file = ctx.cities.get(q.tenant).file;
  const full = path.isAbsolute(file) ? file : path.join(repoRoot, file);
  return { name: file, text: existsSync(full) ? readFileSync(full, 'utf8') : '', version: null };
}

function diffText(from: { name: string; text: string }, toName: string, toText: string): string {
  if (from.text === toText) return '';
  return createTwoFilesPatch(from.name, toName, from.text, toText, undefined, undefined, { context: 3 });
}

function refuseInvalid(problems: ReturnType<typeof checkUpload> & { ok: false }): never {
  const list = problems.problems;
  throw Errors.profileInvalid(`${list.length} problem${list.length === 1 ? '' : 's'}; the profile was refused whole:\n${list.map(formatProblem).join('\n')}`, { problems: list });
}

/** On a production server a profile goes live only without development drivers and with every secret it names set. */
function refuseNotLive(p: Publishing, city: CompiledCity): void {
  if (!p.production) return;
  const problems: ConfigProblem[] = cityProblems([city], p.catalogue, p.env, true);
  if (problems.length) throw Errors.profileNotLive(problems.map((x) => `${x.what} → ${x.fix}`).join('\n'), { problems });
}

export async function publishProfile(
  ctx: CoreContext, p: Publishing, tenant: string,
  body: { fileName: string; source: string; activate?: boolean; dryRun?: boolean }, by: Actor,
): Promise<ProfilePublished> {
  const checked = checkUpload(body.source, body.fileName, tenant, p.citiesDir ? { citiesDir: p.citiesDir } : {});
  if (!checked.ok) refuseInvalid(checked);
  if (body.activate) refuseNotLive(p, checked.city);
  const q = tenantDb(ctx, tenant);
  const live = await liveText(ctx, q);
  const diff = diffText(live, body.fileName, body.source);
  if (body.dryRun) return { tenant, version: null, examples: checked.examples, diff, activated: false, liveVersion: live.version };
  const sha256 = createHash('sha256').update(body.source).digest('hex');
  const version = await q.tx(async (t) => {
    const v = await profileVersionsRepo.insert(t, { source: body.source, sha256, fileName: body.fileName, publishedBy: by.label, at: ctx.clock.now() });
    await audit(t, { tenant, at: ctx.clock.now(), actor: by.id, action: 'profile.published', subject: `v${v}`, details: { fileName: body.fileName, sha256, by: by.label } });
    if (body.activate) await activateIn(t, v, by, ctx.clock.now());
    return v;
  });
  if (body.activate) await p.live.apply(tenant);
  return { tenant, version, examples: checked.examples, diff, activated: Boolean(body.activate), liveVersion: body.activate ? version : live.version };
}

async function activateIn(t: TenantQueryable, version: number, by: Actor, at: Date): Promise<void> {
  const before = await profileVersionsRepo.active(t);
  await profileVersionsRepo.activate(t, version, by.label, at);
  await audit(t, { tenant: t.tenant, at, actor: by.id, action: 'profile.activated', subject: `v${version}`, details: { before: before ? `v${before.version}` : 'file', after: `v${version}`, by: by.label } });
  // Delivered on commit to every process's LISTEN (live.ts).
  await t.query('SELECT pg_notify($1, $2)', [PROFILE_CHANNEL, t.tenant]);
}

/** Makes `version` the live profile; activating an earlier version is the rollback. */
export async function activateVersion(ctx: CoreContext, p: Publishing, tenant: string, version: number, by: Actor): Promise<ProfileVersions> {
  const q = tenantDb(ctx, tenant);
  const row = await profileVersionsRepo.get(q, version);
  if (!row) throw Errors.profileVersionNotFound(`${tenant} has no profile version ${version}`);
  // Checked again: what compiled when it was kept (a boundary file, a plugin) may have changed since.
  const checked = checkUpload(row.source, row.file_name, tenant, p.citiesDir ? { citiesDir: p.citiesDir } : {});
  if (!checked.ok) refuseInvalid(checked);
  refuseNotLive(p, checked.city);
  await q.tx((t) => activateIn(t, version, by, ctx.clock.now()));
  await p.live.apply(tenant);
  return listVersions(ctx, tenant);
}

export async function listVersions(ctx: CoreContext, tenant: string): Promise<ProfileVersions> {
  const q = tenantDb(ctx, tenant);
  const [rows, active] = await Promise.all([profileVersionsRepo.list(q), profileVersionsRepo.active(q)]);
  if (!rows.length && !ctx.cities.has(tenant)) throw Errors.tenantNotFound(`no city "${tenant}"`);
  return {
    tenant,
    liveVersion: active?.version ?? null,
    ...(ctx.cities.has(tenant) ? { liveFile: ctx.cities.get(tenant).file } : {}),
    ...(active ? { activatedAt: new Date(active.activated_at).toISOString(), activatedBy: active.activated_by } : {}),
    versions: rows.map((r) => ({ version: r.version, sha256: r.sha256, fileName: r.file_name, publishedBy: r.published_by, publishedAt: new Date(r.published_at).toISOString(), live: r.version === active?.version })),
  };
}

export async function versionSource(ctx: CoreContext, tenant: string, version: number): Promise<ProfileVersionSource> {
  const q = tenantDb(ctx, tenant);
  const row = await profileVersionsRepo.get(q, version);
  if (!row) throw Errors.profileVersionNotFound(`${tenant} has no profile version ${version}`);
  const live = await liveText(ctx, q);
  return { tenant, version, fileName: row.file_name, source: row.source, diff: diffText(live, `${row.file_name} (v${version})`, row.source), live: live.version === version };
}
