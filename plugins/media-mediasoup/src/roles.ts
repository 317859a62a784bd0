// The role model of a media room lives in the media port (@kuaichu/core/ports: MEDIA_ROLES,
// ROLE_RULES), so core and the plugin read one table; core decides who joins as what. Here: what a
// role may send.
import { MEDIA_ROLES, ROLE_RULES, type MediaParticipant, type MediaRole, type MediaSource, type RoleRules } from '@kuaichu/core/ports';

export { MEDIA_ROLES, ROLE_RULES, type MediaRole, type MediaSource, type RoleRules };

/** Who a joining socket is in this case's room (core's admission). */
export type Admission = MediaParticipant;

export function canProduce(role: MediaRole, source: MediaSource): boolean {
  return ROLE_RULES[role].produces.includes(source);
}
