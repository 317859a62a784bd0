/**
 * An insurer's name, one everywhere: as the city profile names it (claims.insurers), on the
 * seat's console, the officer's desk and the party's app alike. The registered legal name is
 * for the e-determination only (the server prints it). An id the profile does not list (an old
 * case, a registry answer about another city's insurer) is shown as it is rather than guessed.
 */
import type { CityPublic, LocalText } from '@kuaichu/core/generated/types.ts';

export function insurerName(city: Pick<CityPublic, 'insurers'> | null | undefined, id: string | null | undefined, local: (t: LocalText) => string): string {
  if (!id) return '';
  const named = city?.insurers.find((i) => i.id === id);
  return named ? local(named.name) : id;
}

/** The insurers the officer may pick: the city's list. */
export function insurerIds(city: Pick<CityPublic, 'insurers'> | null | undefined): string[] {
  return city?.insurers.map((i) => i.id) ?? [];
}
