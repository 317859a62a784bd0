/**
 * The city's partner organisations as the seat and the officer pick them (GET /api/partners,
 * issue 14): fetched once per page and shared by the invite and mediation panels. A failed
 * load is forgotten, so the next panel that asks tries again.
 */
import type { CityPublic, PartnerListing } from '@kuaichu/core/generated/types.ts';
import { get } from './api.ts';

export type { PartnerListing };

/** The roles an organisation is invited into a room as (tow crews are dispatched, not invited). */
export const INVITED_KINDS = ['insurer', 'repair_shop', 'mediator', 'hospital'] as const;
export type InvitedKind = (typeof INVITED_KINDS)[number];

let pending: Promise<PartnerListing[]> | null = null;

export function partnerList(): Promise<PartnerListing[]> {
  pending ??= get<{ orgs: PartnerListing[] }>('/api/partners').then((r) => r.orgs, (err) => {
    pending = null;
    throw err;
  });
  return pending;
}

/** The partner kinds the city's profile lists that can be invited into a room, in the order the seat meets them. */
export function invitedKinds(city: Pick<CityPublic, 'platform'> | null | undefined): InvitedKind[] {
  const listed: readonly string[] = city?.platform?.participants ?? [];
  return INVITED_KINDS.filter((k) => listed.includes(k));
}

/** Whether the city's platform offers a feature (mediation_rooms …). */
export function offers(city: Pick<CityPublic, 'platform'> | null | undefined, feature: string): boolean {
  return ((city?.platform?.features ?? []) as readonly string[]).includes(feature);
}
