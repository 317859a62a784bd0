/**
 * The city's partner organisations as the seat and the officer pick them (issue 14): to invite
 * one into a case's room or to name the mediator and insurers of a mediation. Enabled
 * organisations of the kinds the profile lists only — an organisation the admin disabled, or of a
 * kind the city stopped working with, cannot be invited anyway. Names and kinds, never people.
 */
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import type { PartnerListing } from '../generated/types.ts';
import { partnersRepo } from '../persistence/partners.ts';
import { offeredPartnerKinds, requirePartnerKind } from './kinds.ts';

/** 409 KC_PARTNER_NOT_OFFERED for a city whose profile lists no partners. */
export async function partnerDirectory(ctx: CoreContext, tenant: string): Promise<PartnerListing[]> {
  const city = ctx.cities.get(tenant);
  requirePartnerKind(city);
  const offered = offeredPartnerKinds(city);
  const orgs = await partnersRepo.orgs(tenantDb(ctx, tenant));
  return orgs.filter((o) => !o.disabled_at && offered.includes(o.kind)).map((o) => ({ id: o.id, kind: o.kind, name: o.name }));
}
