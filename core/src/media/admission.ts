/**
 * Who may join a case's room, and as what (the media plugin asks nothing of the case: core
 * decides). Anyone else is refused as if the case did not exist (4404).
 */
import type { Principal } from '../auth/sessions.ts';
import type { CaseRow } from '../cases/repository.ts';
import { getCase } from '../cases/repository.ts';
import { tenantDb, type CoreContext } from '../context.ts';
import { audit } from '../auth/audit.ts';
import type { MediaEntry, MediaParticipant } from '../ports/media.ts';
import { maskPhone } from '../privacy/mask.ts';
import { forTenant, type TenantQueryable } from '../db/tenantDb.ts';
import { partnersRepo } from '../persistence/partners.ts';
import { mediationsRepo, type MediationRow } from '../persistence/mediations.ts';

/** States in which a case has a live call (a room may be opened on a join if none is open). */
export const IN_CALL: readonly string[] = ['in_call', 'evidence_complete'];

/**
 * - the party who reported the case (party_a);
 * - the seat on the case, or, while a dropped call waits to be resumed, the seat it will ring;
 * - an officer of the tenant (民警: supervision, determination);
 * - a duty supervisor (班长) of the tenant, listening in while the call is live: receive-only
 *   (role `supervisor`, which produces nothing: ports/media.ts ROLE_RULES; the plugin refuses a
 *   producer of a role that may not send), and never the one whose absence drops the call.
 * The other roles join by invitation (admitInvited below).
 */
export function admit(p: Principal, c: CaseRow): MediaParticipant | null {
  if (p.tenant !== c.tenant) return null;
  if (p.staff) {
    const s = p.staff;
    const seatOfCase = c.seat_id === s.id || (c.seat_id === null && (c.ring_seat ?? c.preferred_seat) === s.id);
    if (s.roles.includes('seat') && seatOfCase) return { role: 'seat', identity: `staff:${s.id}`, displayName: s.displayName };
    if (s.roles.includes('officer')) return { role: 'officer', identity: `staff:${s.id}`, displayName: s.displayName };
    if (s.roles.includes('supervisor') && IN_CALL.includes(c.state)) return { role: 'supervisor', identity: `staff:${s.id}`, displayName: s.displayName };
    return null;
  }
  if (p.party && p.party.phone === c.party_phone) return { role: 'party_a', identity: `party:${p.party.phone}`, displayName: `当事人 ${maskPhone(p.party.phone)}` };
  // Party B (乙方) as the case records them (the photo path's join, or an accepted room invitation).
  if (p.party && c.party_b_phone && p.party.phone === c.party_b_phone) return { role: 'party_b', identity: `party:${p.party.phone}`, displayName: `当事人乙 ${maskPhone(p.party.phone)}` };
  return null;
}

/**
 * Admission by invitation (issue 14): a party or a partner person who accepted a room invitation
 * of the case that still stands (not revoked) joins as the invited role (party_b, insurer,
 * repair_shop, mediator, hospital). `q` is a transaction of the case's tenant.
 */
export async function admitInvited(q: TenantQueryable, p: Principal, c: CaseRow): Promise<MediaParticipant | null> {
  if (p.tenant !== c.tenant || p.staff) return null;
  const usedBy = p.party ? `party:${p.party.phone}` : p.partner ? `partner:${p.partner.id}` : null;
  if (!usedBy) return null;
  const i = await partnersRepo.admission(q, c.id, usedBy);
  if (!i) return null;
  if (p.partner && i.role !== p.partner.orgKind) return null;
  const displayName = p.partner ? `${p.partner.orgName} ${p.partner.displayName}` : `当事人乙 ${maskPhone(p.party!.phone)}`;
  return { role: i.role, identity: usedBy, displayName };
}

/**
 * Admission by an open mediation (线上调解室, issue 14): while the case's mediation is open its
 * room is the mediation room — the mediator organisation's people join as mediator, and party B
 * as booked (the phone the mediation was booked with) even before they opened their invitation.
 */
export function admitToMediation(p: Principal, c: CaseRow, m: MediationRow | undefined): MediaParticipant | null {
  if (!m || m.status !== 'open' || p.tenant !== c.tenant || p.staff) return null;
  if (p.partner && p.partner.orgKind === 'mediator' && p.partner.orgId === m.mediator_org_id) {
    return { role: 'mediator', identity: `partner:${p.partner.id}`, displayName: `${p.partner.orgName} ${p.partner.displayName}` };
  }
  if (p.party && m.party_b_phone && p.party.phone === m.party_b_phone) return { role: 'party_b', identity: `party:${p.party.phone}`, displayName: `当事人乙 ${maskPhone(p.party.phone)}` };
  return null;
}

/** The room's settings for a case of `tenant`: its party may be away as long as the city's resume window. */
export function roomSpec(ctx: CoreContext, tenant: string, caseId: string): { tenant: string; caseId: string; partyAbsenceSeconds: number } {
  return { tenant, caseId, partyAbsenceSeconds: ctx.cities.get(tenant).profile.queue?.resumeWindowSeconds ?? 600 };
}

/** Core's answer about a socket of `principal` on case `caseId` (any id: a bad one is not a member). */
export async function mediaEntry(ctx: CoreContext, principal: Principal | null, caseId: string): Promise<MediaEntry> {
  if (!principal) return { admitted: false, refusal: 'unauthenticated' };
  let c: CaseRow;
  try {
    c = await getCase(ctx.db, principal.tenant, caseId);
  } catch {
    return { admitted: false, refusal: 'not_member' };
  }
  const q = forTenant(ctx.db, c.tenant);
  // An open mediation makes the room: it opens on a join even when the case has no live call.
  const mediation = ctx.cities.get(c.tenant).profile.platform?.features?.includes('mediation_rooms') ? await mediationsRepo.openFor(q, c.id) : undefined;
  const participant = admit(principal, c) ?? (await admitInvited(q, principal, c)) ?? admitToMediation(principal, c, mediation);
  if (!participant) return { admitted: false, refusal: 'not_member' };
  // Listening in is an act of supervision over a call: who, when, which case (audit log).
  if (participant.role === 'supervisor') {
    await tenantDb(ctx, c.tenant).tx((q) => audit(q, { tenant: c.tenant, at: ctx.clock.now(), actor: principal.staff!.id, action: 'call.listened', subject: c.number, details: { caseId: c.id, by: principal.staff!.username } }));
  }
  return { admitted: true, room: roomSpec(ctx, c.tenant, c.id), participant, inCall: IN_CALL.includes(c.state) || Boolean(mediation), state: c.state };
}
