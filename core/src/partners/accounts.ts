/**
 * Partner organisations (合作单位) and their people, kept by the bureau's admin. A person signs in
 * with a password checked like staff's (scrypt, the same strength rule, the same per-account
 * throttle keyed 'partner:<username>' so a partner and a staff member never share a count).
 */
import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import { Errors } from '../errors.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { weakPasswordReason } from '../auth/staffCreate.ts';
import { clearFailures, lockRemainingMs, recordFailure } from '../auth/loginThrottle.ts';
import { createPartnerSession } from '../auth/sessions.ts';
import { partnersRepo, type PartnerKind, type PartnerOrgRow, type PartnerPersonRow } from '../persistence/partners.ts';
import { requirePartnerKind } from './kinds.ts';

/** The throttle's account name for a partner person (staff_login_throttles is per tenant and name). */
export const throttleName = (username: string) => `partner:${username}`;

export async function createOrg(ctx: CoreContext, tenant: string, o: { kind: PartnerKind; name: string; code?: string | null }): Promise<PartnerOrgRow> {
  const city = ctx.cities.get(tenant);
  requirePartnerKind(city, o.kind);
  if (o.kind === 'insurer' && o.code && !(city.profile.claims.insurers ?? []).some((i) => i.id === o.code)) {
    throw Errors.validation(`"${o.code}" is not one of ${tenant}'s insurers`, { field: 'code', allowed: (city.profile.claims.insurers ?? []).map((i) => i.id) });
  }
  if (o.kind !== 'insurer' && o.code) throw Errors.validation('only an insurer has a code (its id among the city’s insurers)', { field: 'code' });
  return tenantDb(ctx, tenant).tx(async (q) => {
    if (await partnersRepo.orgByName(q, o.name)) throw Errors.partnerExists(`an organisation named ${o.name} exists`, { name: o.name });
    const row = { id: randomUUID(), kind: o.kind, name: o.name, code: o.code ?? null, created_at: ctx.clock.now() };
    await partnersRepo.insertOrg(q, row);
    return { ...row, tenant, disabled_at: null };
  });
}

export async function createPerson(
  ctx: CoreContext, tenant: string, orgId: string,
  p: { username: string; displayName: string; phone?: string | null; password: string },
): Promise<PartnerPersonRow> {
  const weak = weakPasswordReason(p.password, { username: p.username, tenant });
  if (weak) throw Errors.weakPassword(`the password is too weak: ${weak}`, { reason: weak });
  const passwordHash = await hashPassword(p.password);
  return tenantDb(ctx, tenant).tx(async (q) => {
    const org = await partnersRepo.org(q, orgId);
    if (!org) throw Errors.notFound('no such partner organisation');
    requirePartnerKind(ctx.cities.get(tenant), org.kind);
    if (await partnersRepo.usernameTaken(q, p.username)) throw Errors.partnerExists(`the user name ${p.username} is taken`, { username: p.username });
    const row = { id: randomUUID(), org_id: orgId, username: p.username, display_name: p.displayName, phone: p.phone ?? null, password_hash: passwordHash, created_at: ctx.clock.now() };
    await partnersRepo.insertPerson(q, row);
    return { ...row, tenant, disabled_at: null };
  });
}

/**
 * Signs a partner person in: 401 KC_BAD_CREDENTIALS for an unknown name or a wrong password
 * alike; 429 KC_ACCOUNT_LOCKED once the throttle locks the name. The caller has checked the city.
 */
export async function signInPartner(ctx: CoreContext, tenant: string, username: string, password: string):
  Promise<{ session: { token: string; csrf: string; expiresAt: Date }; person: PartnerPersonRow; org: PartnerOrgRow } | { lockedMs: number }> {
  const now = ctx.clock.now();
  const name = throttleName(username);
  const locked = await lockRemainingMs(ctx.db, tenant, name, now);
  if (locked > 0) return { lockedMs: locked };
  const db = tenantDb(ctx, tenant);
  const person = await partnersRepo.personByUsername(db, username);
  const org = person ? await partnersRepo.org(db, person.org_id) : undefined;
  const usable = person && org && !person.disabled_at && !org.disabled_at && ctx.cities.get(tenant).profile.platform?.participants?.includes(org.kind);
  if (!usable || !(await verifyPassword(password, person.password_hash))) {
    const lock = await recordFailure(ctx.db, tenant, name, now);
    if (lock > 0) return { lockedMs: lock };
    throw Errors.badCredentials();
  }
  await clearFailures(ctx.db, tenant, name);
  return { session: await createPartnerSession(ctx.db, now, tenant, person.id), person, org };
}
