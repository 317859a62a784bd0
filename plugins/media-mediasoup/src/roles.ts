// The role model of a media room. A 1:1 call today is a party (当事人) and a seat (坐席); the same
// room admits officers now and, for Yancheng's mediation rooms later, a second party, insurers,
// mediators, hospitals and repair shops. Each role says what it may send and whether its loss
// interrupts the case (only the reporting party's does).
import type { MediaRole, MediaSource } from '@kuaichu/core/generated/types.ts';
import type { Principal } from '@kuaichu/core/auth/sessions';
import type { CaseRow } from '@kuaichu/core/cases/repository.ts';
import { maskPhone } from '@kuaichu/core/privacy/mask';

export type { MediaRole, MediaSource };

export const MEDIA_ROLES: readonly MediaRole[] = ['party_a', 'party_b', 'seat', 'officer', 'insurer', 'mediator', 'hospital', 'repair_shop'];

export interface RoleRules {
  /** What this role may produce. */
  produces: readonly MediaSource[];
  /** A party at the roadside: their departure ends a part of the call. */
  party: boolean;
  /** The reporting party: losing them drops the call (call.dropped) until they resume. */
  drivesCase: boolean;
}

const speaker: RoleRules = { produces: ['microphone', 'camera'], party: false, drivesCase: false };

export const ROLE_RULES: Readonly<Record<MediaRole, RoleRules>> = {
  party_a: { produces: ['camera', 'microphone'], party: true, drivesCase: true },
  party_b: { produces: ['camera', 'microphone'], party: true, drivesCase: false },
  seat: speaker,
  officer: speaker,
  insurer: speaker,
  mediator: speaker,
  hospital: speaker,
  repair_shop: speaker,
};

export function canProduce(role: MediaRole, source: MediaSource): boolean {
  return ROLE_RULES[role].produces.includes(source);
}

/** Who a joining socket is in this case's room. */
export interface Admission {
  role: MediaRole;
  /** One peer per identity: a second connection of the same person replaces the first. */
  identity: string;
  displayName: string;
}

/**
 * Who may join a case's room, and as what; null for anyone else (closed with 4404, as if the
 * case did not exist):
 * - the party who reported the case (party_a);
 * - the seat on the case, or, while a dropped call waits to be resumed, the seat it will ring;
 * - an officer of the tenant (民警: supervision, determination).
 * The other roles join through invitations that come with multi-party mediation.
 */
export function admit(p: Principal, c: CaseRow): Admission | null {
  if (p.tenant !== c.tenant) return null;
  if (p.staff) {
    const s = p.staff;
    const seatOfCase = c.seat_id === s.id || (c.seat_id === null && (c.ring_seat ?? c.preferred_seat) === s.id);
    if (s.roles.includes('seat') && seatOfCase) return { role: 'seat', identity: `staff:${s.id}`, displayName: s.displayName };
    if (s.roles.includes('officer')) return { role: 'officer', identity: `staff:${s.id}`, displayName: s.displayName };
    return null;
  }
  if (p.party && p.party.phone === c.party_phone) return { role: 'party_a', identity: `party:${p.party.phone}`, displayName: `当事人 ${maskPhone(p.party.phone)}` };
  return null;
}
