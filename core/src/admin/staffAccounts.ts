/**
 * A city's admin manages its staff accounts (人员管理): list, create, change roles, brigade and
 * name, disable and enable, reset a password. Every change is audited with what it was before
 * and after. An admin cannot disable or demote themselves, nor leave the city without an
 * enabled admin. A disabled account cannot sign in and its sessions end at once; a password
 * reset ends them too. Passwords are never logged or audited; a generated one is returned once.
 */
import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import { Errors } from '../errors.ts';
import type { AdminStaffAccount, StaffRole } from '../generated/types.ts';
import { audit } from '../auth/audit.ts';
import { hashPassword } from '../auth/password.ts';
import { createStaff, rolesProblem, weakPasswordReason } from '../auth/staffCreate.ts';
import { sessionsRepo } from '../persistence/sessions.ts';
import { staffAdminRepo, staffSeatRepo, type StaffAccountRow } from '../persistence/staff.ts';
import { brigadeExists, type Actor } from './brigades.ts';

export const toAccount = (r: StaffAccountRow): AdminStaffAccount => ({
  id: r.id, username: r.username, displayName: r.display_name, roles: r.roles as StaffRole[], brigadeId: r.brigade_id,
  disabled: r.disabled_at !== null, createdAt: new Date(r.created_at).toISOString(),
});

/** What the audit keeps of an account (no password, no hash). */
const snapshot = (r: Pick<StaffAccountRow, 'display_name' | 'roles' | 'brigade_id'>) => ({ displayName: r.display_name, roles: r.roles, brigadeId: r.brigade_id });

export const listStaff = async (ctx: CoreContext, tenant: string): Promise<AdminStaffAccount[]> =>
  (await staffAdminRepo.list(tenantDb(ctx, tenant))).map(toAccount);

/** A strong password for a reset or a new account: 16 characters of a 56-letter alphabet (no 0/O, 1/l/I). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) {
    if (b >= 224) continue; // 224 = 4 × 56: no bias
    out += alphabet[b % 56];
    if (out.length === 16) break;
  }
  return out.length === 16 ? out : generatePassword();
}

async function checkBrigade(ctx: CoreContext, tenant: string, brigadeId: string | null | undefined): Promise<void> {
  if (brigadeId && !(await brigadeExists(ctx, tenant, brigadeId))) throw Errors.validation(`${tenant} has no brigade "${brigadeId}"`, { field: 'brigadeId' });
}

export interface NewAccount { username: string; displayName: string; roles: StaffRole[]; brigadeId?: string; password?: string }

export async function createAccount(ctx: CoreContext, by: Actor & { username: string }, body: NewAccount): Promise<{ account: AdminStaffAccount; password?: string }> {
  await checkBrigade(ctx, by.tenant, body.brigadeId);
  const password = body.password ?? generatePassword();
  await createStaff(ctx.db, { tenant: by.tenant, username: body.username, displayName: body.displayName, roles: body.roles, brigadeId: body.brigadeId ?? null, password },
    { actor: by.id, via: `admin ${by.username}`, at: ctx.clock.now() });
  const row = await staffAdminRepo.byUsername(tenantDb(ctx, by.tenant), body.username);
  return { account: toAccount(row!), ...(body.password ? {} : { password }) };
}

async function target(q: Q, username: string): Promise<StaffAccountRow> {
  const row = await staffAdminRepo.byUsername(q, username, { lock: true });
  if (!row) throw Errors.notFound("this city has no staff account with this user name");
  return row;
}

/** The city keeps an enabled admin other than … : refuses a change that would leave it none. */
async function keepsAnAdmin(q: Q, losing: string): Promise<void> {
  const admins = await staffAdminRepo.enabledAdmins(q);
  if (!admins.some((id) => id !== losing)) throw Errors.adminLockout('the city would have no enabled admin left: make another admin first');
}

export async function updateAccount(ctx: CoreContext, by: Actor, username: string, body: { displayName?: string; roles?: StaffRole[]; brigadeId?: string | null }): Promise<AdminStaffAccount> {
  if (body.roles) {
    const problem = rolesProblem(by.tenant, body.roles);
    if (problem) throw Errors.validation(problem, { field: 'roles' });
  }
  if (body.brigadeId) await checkBrigade(ctx, by.tenant, body.brigadeId);
  const now = ctx.clock.now();
  return tenantDb(ctx, by.tenant).tx(async (q) => {
    const before = await target(q, username);
    const after = {
      display_name: body.displayName ?? before.display_name,
      roles: body.roles ?? before.roles,
      brigade_id: body.brigadeId !== undefined ? body.brigadeId : before.brigade_id,
    };
    if (after.roles.includes('seat') && !after.brigade_id) throw Errors.validation('a seat belongs to a brigade', { field: 'brigadeId' });
    const losesAdmin = before.roles.includes('admin') && !after.roles.includes('admin');
    if (losesAdmin && before.id === by.id) throw Errors.adminLockout('you cannot take the admin role from yourself: another admin can');
    if (losesAdmin && before.disabled_at === null) await keepsAnAdmin(q, before.id);
    await staffAdminRepo.update(q, before.id, { displayName: after.display_name, roles: after.roles, brigadeId: after.brigade_id });
    if (before.disabled_at === null) await staffSeatRepo.follow(q, before.id, { seat: after.roles.includes('seat'), brigadeId: after.brigade_id, now });
    await audit(q, { tenant: by.tenant, at: now, actor: by.id, action: 'staff.updated', subject: username, details: { before: snapshot(before), after: snapshot(after) } });
    return toAccount({ ...before, ...after });
  });
}

/** Disables (sign-in refused, every session ended, a free seat sent away) or enables an account. */
export async function setDisabled(ctx: CoreContext, by: Actor, username: string, disabled: boolean): Promise<{ account: AdminStaffAccount; sessionsEnded: number; staffId: string }> {
  const now = ctx.clock.now();
  return tenantDb(ctx, by.tenant).tx(async (q) => {
    const before = await target(q, username);
    if (disabled && before.id === by.id) throw Errors.adminLockout('you cannot disable your own account: another admin can');
    if (disabled && before.roles.includes('admin') && before.disabled_at === null) await keepsAnAdmin(q, before.id);
    let sessionsEnded = 0;
    if (disabled) {
      sessionsEnded = await sessionsRepo.deleteOfStaff(q, before.id);
      await staffSeatRepo.sendAway(q, before.id, now);
    }
    const at = disabled ? (before.disabled_at ?? now) : null;
    await staffAdminRepo.setDisabled(q, before.id, at);
    await audit(q, { tenant: by.tenant, at: now, actor: by.id, action: disabled ? 'staff.disabled' : 'staff.enabled', subject: username,
      details: { before: { disabled: before.disabled_at !== null }, after: { disabled }, ...(disabled ? { sessionsEnded } : {}) } });
    return { account: toAccount({ ...before, disabled_at: at }), sessionsEnded, staffId: before.id };
  });
}

/** Sets a new password (the admin's, checked for strength, or a generated one returned once) and ends the account's sessions. */
export async function resetPassword(ctx: CoreContext, by: Actor, username: string, given?: string): Promise<{ password?: string; staffId: string }> {
  const password = given ?? generatePassword();
  const weak = weakPasswordReason(password, { username, tenant: by.tenant });
  if (weak) throw Errors.weakPassword(`the password is too weak: ${weak}`, { reason: weak });
  const hash = await hashPassword(password);
  const now = ctx.clock.now();
  return tenantDb(ctx, by.tenant).tx(async (q) => {
    const row = await target(q, username);
    await staffAdminRepo.setPassword(q, row.id, hash);
    const sessionsEnded = await sessionsRepo.deleteOfStaff(q, row.id);
    await audit(q, { tenant: by.tenant, at: now, actor: by.id, action: 'staff.password_reset', subject: username, details: { generated: !given, sessionsEnded } });
    return { staffId: row.id, ...(given ? {} : { password }) };
  });
}
