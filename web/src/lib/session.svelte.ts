/**
 * Who is signed in (staff or party), from `/api/me`. Both sign-in kinds end in the same
 * httpOnly cookie; the CSRF token the response carries is kept for the changes that follow.
 */
import { ApiError, get, post, setCsrf } from './api.ts';

export interface Me {
  tenant: string;
  staff?: { id: string; username: string; displayName: string; roles: string[]; brigadeId: string | null } | null;
  party?: { phone: string; channel: string | null } | null;
  /** A partner organisation's person (issue 14: /console/partner). */
  partner?: { id: string; username: string; displayName: string; orgId: string; orgKind: string; orgName: string; orgCode: string | null } | null;
  csrf: string;
  expiresAt: string;
  [key: string]: unknown;
}

export const session = $state<{ me: Me | null; loaded: boolean }>({ me: null, loaded: false });

export async function loadMe(): Promise<Me | null> {
  try {
    const me = await get<Me>('/api/me');
    setCsrf(me.csrf);
    session.me = me;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    session.me = null;
  }
  session.loaded = true;
  return session.me;
}

/** After any sign-in response ({ token, csrf, … }): remember the CSRF token and reload who we are. */
export async function signedIn(res: { csrf: string }): Promise<Me | null> {
  setCsrf(res.csrf);
  return loadMe();
}

export async function logout(): Promise<void> {
  try {
    await post('/api/auth/logout');
  } finally {
    setCsrf(null);
    session.me = null;
  }
}

export function hasRole(role: string): boolean {
  return Boolean(session.me?.staff?.roles.includes(role));
}

/** Where a staff member lands after sign-in. */
export function homeFor(me: Me): string {
  const roles = me.staff?.roles ?? [];
  if (roles.includes('seat')) return '/console/seat';
  if (roles.includes('officer')) return '/console/officer';
  if (roles.includes('analyst') || roles.some((r) => r.includes('analyst'))) return '/console/dashboard';
  if (roles.includes('supervisor')) return '/console/supervisor';
  if (roles.includes('admin')) return '/console/admin';
  if (roles.includes('platform_operator')) return '/console/platform';
  return '/';
}
