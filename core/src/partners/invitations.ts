/**
 * Invitations into a case's room (邀请入会): the seat on the case or an officer invites the second
 * party (乙方, by an SMS link to their phone) or a partner organisation — an insurer's loss
 * adjuster (查勘定损员), a repair shop, a mediator, a hospital. A link carries a random token of
 * which only the SHA-256 is kept; it lets one person in once (used), until it expires, unless
 * revoked. Accepting binds the invitation to that person (`used_by`: party:<phone> or
 * partner:<person id>); admit() (media/admission.ts) lets them into the room as the invited role
 * while the invitation stands. On a photo-path case party B is H1's (photo_cases, party_b_phone):
 * no second party invitation there.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import { Errors } from '../errors.ts';
import { getCase, lockCase } from '../cases/repository.ts';
import type { CaseRow } from '../cases/repository.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';
import { partnersRepo, type InvitationRole, type InvitationRow } from '../persistence/partners.ts';
import type { PartnerPrincipal } from '../auth/sessions.ts';
import { createSession } from '../auth/sessions.ts';
import { requirePartnerKind } from './kinds.ts';

export const INVITATION_TTL_SECONDS = 24 * 3600;
/** Whose invitation can be accepted from the partner console: the organisation's kind is the role. */
export const PARTNER_ROLES: readonly InvitationRole[] = ['insurer', 'hospital', 'repair_shop', 'mediator'];

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Who sent it (the seat or an officer: checked by the route with admit()); `by` overrides the
 * recorded sender (`partner:<person id>` when a mediator books a mediation, mediation/mediation.ts).
 */
export interface Inviter { staffId: string; by?: string }

export interface NewInvitation {
  role: InvitationRole;
  phone?: string | undefined;
  orgId?: string | undefined;
  ttlSeconds?: number | undefined;
}

/** The link (`${publicUrl}/invite/${tenant}/${token}`): the token is shown once, to the inviter and in the SMS. */
export function invitationUrl(ctx: CoreContext, tenant: string, token: string): string {
  return `${ctx.publicUrl}/invite/${tenant}/${token}`;
}

export async function invite(ctx: CoreContext, tenant: string, caseId: string, by: Inviter, n: NewInvitation): Promise<{ row: InvitationRow; token: string; url: string }> {
  const city = ctx.cities.get(tenant);
  requirePartnerKind(city);
  const token = randomBytes(24).toString('base64url');
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + (n.ttlSeconds ?? INVITATION_TTL_SECONDS) * 1000);
  const url = invitationUrl(ctx, tenant, token);
  const db = tenantDb(ctx, tenant);
  const { row, sms } = await db.tx(async (q) => {
    const c = await lockCase(q, tenant, caseId);
    let phone: string | null = null;
    let orgId: string | null = null;
    const sms: Array<string | null> = [];
    const hours = Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 3600_000));
    const text = `${city.profile.city.zh}交警邀请您加入事故（${c.number}）的视频处理。请打开 ${url} 进入，链接${hours}小时内有效，仅限本人使用一次。`;
    if (n.role === 'party_b') {
      if (!n.phone || n.orgId) throw Errors.validation('the second party is invited by phone (phone, no orgId)', { field: 'phone' });
      if (c.path === 'photo') throw Errors.validation('on a photo-path case party B joins by the photo path’s own link (POST /api/photo-cases/:id/invite)', { field: 'role' });
      if (n.phone === c.party_phone) throw Errors.validation('this is the reporting party’s own phone', { field: 'phone' });
      phone = n.phone;
      sms.push(await queueSms(q, { kind: 'other', params: { number: c.number, url }, text, to: phone, caseId: c.id, key: `sms:room-invite:${sha256(token)}`, at: now, expiresAt }));
    } else {
      if (!n.orgId || n.phone) throw Errors.validation('a partner is invited by organisation (orgId, no phone)', { field: 'orgId' });
      const org = await partnersRepo.org(q, n.orgId);
      if (!org || org.disabled_at) throw Errors.notFound('no such partner organisation');
      requirePartnerKind(city, org.kind);
      if (org.kind !== n.role) throw Errors.validation(`the organisation is a ${org.kind}, not a ${n.role}`, { field: 'role', kind: org.kind });
      orgId = org.id;
      for (const p of await partnersRepo.people(q)) {
        if (p.org_id === org.id && p.phone && !p.disabled_at) {
          sms.push(await queueSms(q, { kind: 'other', params: { number: c.number, url }, text, to: p.phone, caseId: c.id, key: `sms:room-invite:${sha256(token)}:${p.id}`, at: now, expiresAt }));
        }
      }
    }
    const row = { id: randomUUID(), case_id: c.id, role: n.role, phone, org_id: orgId, token_hash: sha256(token), expires_at: expiresAt, created_by: by.by ?? `staff:${by.staffId}`, created_at: now };
    await partnersRepo.insertInvitation(q, row);
    return { row: { ...row, tenant, used_at: null, used_by: null, revoked_at: null, revoked_by: null } as InvitationRow, sms };
  });
  await sendSmsNow(ctx, tenant, sms);
  return { row, token, url };
}

/** Refuses a link that cannot be used now: revoked, used, expired (in that order). */
function assertUsable(i: InvitationRow, now: Date): void {
  if (i.revoked_at) throw Errors.invitationRevoked();
  if (i.used_at) throw Errors.invitationUsed();
  if (new Date(i.expires_at) <= now) throw Errors.invitationExpired(undefined, { expiredAt: new Date(i.expires_at).toISOString() });
}

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The second party opens their SMS link: signed in as the invited phone (a party session), the
 * invitation used. A video case records them as party B (cases.party_b_phone) when none is yet.
 */
export async function acceptAsParty(ctx: CoreContext, tenant: string, token: string): Promise<{ caseId: string; phone: string; session: { token: string; csrf: string; expiresAt: Date } }> {
  ctx.cities.get(tenant);
  if (!TOKEN.test(token)) throw Errors.invitationInvalid();
  const now = ctx.clock.now();
  const { caseId, phone } = await tenantDb(ctx, tenant).tx(async (q) => {
    const i = await partnersRepo.invitationByTokenHash(q, sha256(token));
    if (!i || i.role !== 'party_b' || !i.phone) throw Errors.invitationInvalid();
    assertUsable(i, now);
    await partnersRepo.markUsed(q, i.id, `party:${i.phone}`, now);
    await partnersRepo.setPartyB(q, i.case_id, i.phone);
    return { caseId: i.case_id, phone: i.phone };
  });
  const session = await createSession(ctx.db, now, { tenant, partyPhone: phone, channel: null });
  return { caseId, phone, session };
}

/** A partner person opens their organisation's link from the partner console (signed in). */
export async function acceptAsPartner(ctx: CoreContext, partner: PartnerPrincipal & { tenant: string }, token: string): Promise<InvitationRow> {
  if (!TOKEN.test(token)) throw Errors.invitationInvalid();
  const now = ctx.clock.now();
  return tenantDb(ctx, partner.tenant).tx(async (q) => {
    // Looked up in the partner's own tenant only: a link of another city is unknown here (404).
    const i = await partnersRepo.invitationByTokenHash(q, sha256(token));
    if (!i) throw Errors.invitationInvalid();
    if (i.role === 'party_b' || i.org_id !== partner.orgId) throw Errors.invitationNotYours();
    assertUsable(i, now);
    await partnersRepo.markUsed(q, i.id, `partner:${partner.id}`, now);
    return { ...i, used_at: now, used_by: `partner:${partner.id}` };
  });
}

export async function revoke(ctx: CoreContext, tenant: string, caseId: string, invitationId: string, by: Inviter): Promise<InvitationRow> {
  const now = ctx.clock.now();
  return tenantDb(ctx, tenant).tx(async (q) => {
    await getCase(q, tenant, caseId);
    const i = await partnersRepo.invitation(q, caseId, invitationId);
    if (!i) throw Errors.notFound('no such invitation on this case');
    if (i.revoked_at) throw Errors.invitationRevoked('this invitation was already withdrawn');
    await partnersRepo.revoke(q, i.id, `staff:${by.staffId}`, now);
    return { ...i, revoked_at: now, revoked_by: `staff:${by.staffId}` };
  });
}

export async function invitationsOf(ctx: CoreContext, tenant: string, caseId: string): Promise<InvitationRow[]> {
  return tenantDb(ctx, tenant).tx(async (q) => {
    await getCase(q, tenant, caseId);
    return partnersRepo.invitationsOfCase(q, caseId);
  });
}

/** The case if the partner's organisation is invited to it (unrevoked); 404 KC_CASE_NOT_FOUND otherwise — as if it did not exist. */
export async function partnerCase(ctx: CoreContext, partner: PartnerPrincipal & { tenant: string }, caseId: string): Promise<CaseRow> {
  return tenantDb(ctx, partner.tenant).tx(async (q) => {
    const c = await getCase(q, partner.tenant, caseId);
    if (!(await partnersRepo.orgInvited(q, partner.orgId, c.id))) throw Errors.caseNotFound();
    return c;
  });
}

export async function partnerCases(ctx: CoreContext, partner: PartnerPrincipal & { tenant: string }): Promise<CaseRow[]> {
  return tenantDb(ctx, partner.tenant).tx(async (q) => {
    const ids = await partnersRepo.casesOfOrg(q, partner.orgId);
    const out: CaseRow[] = [];
    for (const id of ids) out.push(await getCase(q, partner.tenant, id));
    return out;
  });
}
