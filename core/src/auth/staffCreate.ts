/**
 * Creating a staff account: the first admin of a city (`kuaichu admin create`), the platform
 * operator, and a city's admin made by the operator when it onboards the city. Passwords are
 * never taken weak: a bureau's first account is the one an attacker tries first.
 *
 * The platform operator is a staff record of the reserved tenant `platform`, which is no city:
 * its sessions are scoped (row-level security) to a tenant that has no cases, so it can onboard
 * cities and publish their profiles through its own routes but never read a case.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { forTenant, type TenantQueryable } from '../db/tenantDb.ts';
import { Errors } from '../errors.ts';
import type { StaffRole } from '../generated/types.ts';
import { seatsRepo } from '../persistence/seats.ts';
import { staffRepo } from '../persistence/staff.ts';
import { hashPassword } from './password.ts';
import { audit } from './audit.ts';

/** The tenant of platform operators; no city may take this id. */
export const PLATFORM_TENANT = 'platform';
export const PLATFORM_ROLE: StaffRole = 'platform_operator';

const COMMON = ['password', '123456', 'qwerty', 'admin', 'letmein', 'welcome', '111111', 'abc123', 'iloveyou', 'kuaichu', 'p@ssw0rd', 'passw0rd'];

/** Why `password` is too weak for a staff account, or null. */
export function weakPasswordReason(password: string, who: { username: string; tenant: string }): string | null {
  if ([...password].length < 12) return 'shorter than 12 characters';
  if (new Set(password).size < 5) return 'fewer than 5 different characters';
  const lower = password.toLowerCase();
  if (COMMON.some((c) => lower.includes(c))) return 'contains a common password';
  if (lower.includes(who.username.toLowerCase()) || lower.includes(who.tenant.toLowerCase())) return 'contains the user name or the city';
  if (/^(.)\1*$/.test(password) || /^(0123456789|1234567890|abcdefghij)/.test(lower)) return 'a run of one character or a sequence';
  return null;
}

export interface NewStaff {
  tenant: string;
  username: string;
  displayName: string;
  roles: readonly StaffRole[];
  brigadeId?: string | null;
  password: string;
}

/** Roles a tenant's staff may hold: the platform has only operators, a city never has one. */
export function rolesProblem(tenant: string, roles: readonly StaffRole[]): string | null {
  if (!roles.length) return 'name at least one role';
  if (tenant === PLATFORM_TENANT) return roles.every((r) => r === PLATFORM_ROLE) ? null : `the ${PLATFORM_TENANT} tenant has only the ${PLATFORM_ROLE} role`;
  return roles.includes(PLATFORM_ROLE) ? `${PLATFORM_ROLE} belongs to the ${PLATFORM_TENANT} tenant, not to a city` : null;
}

/** Who creates the account, for the audit log: a staff id (the platform operator) or null with how (the CLI). */
export interface Creator {
  actor: string | null;
  via: string;
  at: Date;
}

/** `opts.in`: run inside the caller's transaction of `s.tenant` (a CSV import creates all its rows or none). */
export async function createStaff(db: Db, s: NewStaff, by: Creator, opts: { in?: TenantQueryable } = {}): Promise<{ id: string }> {
  const roleProblem = rolesProblem(s.tenant, s.roles);
  if (roleProblem) throw Errors.validation(roleProblem, { field: 'roles' });
  if (s.roles.includes('seat') && !s.brigadeId) throw Errors.validation('a seat belongs to a brigade', { field: 'brigadeId' });
  const weak = weakPasswordReason(s.password, s);
  if (weak) throw Errors.weakPassword(`the password is too weak: ${weak}`, { reason: weak });
  const hash = await hashPassword(s.password);
  const id = randomUUID();
  const insert = async (q: TenantQueryable) => {
    if (await staffRepo.exists(q, s.username)) throw Errors.staffExists(`${s.tenant} already has a staff account "${s.username}"`);
    await staffRepo.insert(q, { id, username: s.username, name: s.displayName, passwordHash: hash, roles: s.roles, brigadeId: s.brigadeId ?? null });
    if (s.roles.includes('seat')) await seatsRepo.add(q, id, s.brigadeId ?? null);
    await audit(q, { tenant: s.tenant, at: by.at, actor: by.actor, action: 'staff.created', subject: s.username, details: { roles: s.roles, brigadeId: s.brigadeId ?? null, via: by.via } });
  };
  if (opts.in) await insert(opts.in);
  else await forTenant(db, s.tenant).tx(insert);
  return { id };
}
