/**
 * Which partners a city works with: its profile's platform.participants (Yancheng's 云车通 lists
 * insurer 保险公司, hospital 医院, repair_shop 修理厂, tow 清障救援, mediator 调解员). A city
 * without them has no partner organisations, sign-ins or invitations (409 KC_PARTNER_NOT_OFFERED).
 */
import type { CompiledCity } from '../policy/city.ts';
import { Errors } from '../errors.ts';
import type { PartnerKind } from '../persistence/partners.ts';

export type { PartnerKind };
export const PARTNER_KINDS: readonly PartnerKind[] = ['insurer', 'hospital', 'repair_shop', 'tow', 'mediator'];

/** The partner kinds the city's profile lists. */
export function offeredPartnerKinds(city: CompiledCity): PartnerKind[] {
  const listed = (city.profile.platform?.participants ?? []) as readonly string[];
  return PARTNER_KINDS.filter((k) => listed.includes(k));
}

/** Throws 409 KC_PARTNER_NOT_OFFERED unless the city works with partners of `kind` (any kind when omitted). */
export function requirePartnerKind(city: CompiledCity, kind?: PartnerKind): void {
  const offered = offeredPartnerKinds(city);
  if (kind ? !offered.includes(kind) : offered.length === 0) {
    throw Errors.partnerNotOffered(`${city.tenant} does not work with ${kind ?? 'partner'} organisations (platform.participants of its profile)`, { kind: kind ?? null, offered });
  }
}
