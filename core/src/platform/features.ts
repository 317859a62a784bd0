/**
 * A city platform's features (platform.features of the profile: Yancheng's 云车通 lists
 * mediation_rooms, injury_direct_compensation, one_key_rescue). A tenant gets a feature's routes
 * only when its profile lists it; otherwise 409 KC_FEATURE_NOT_OFFERED names the feature.
 */
import type { CompiledCity } from '../policy/city.ts';
import { Errors } from '../errors.ts';

export type PlatformFeature = 'mediation_rooms' | 'injury_direct_compensation' | 'one_key_rescue';

const NAMES: Record<PlatformFeature, string> = {
  mediation_rooms: '线上调解室 online mediation rooms',
  injury_direct_compensation: '人伤直赔 injury direct-pay',
  one_key_rescue: '一键救援 one-key rescue',
};

/** Whether the city's profile lists the feature. */
export function offers(city: CompiledCity, feature: PlatformFeature): boolean {
  return (city.profile.platform?.features ?? []).includes(feature);
}

/** Throws 409 KC_FEATURE_NOT_OFFERED unless the city's profile lists the feature. */
export function requireFeature(city: CompiledCity, feature: PlatformFeature): void {
  if (!offers(city, feature)) {
    throw Errors.featureNotOffered(`${city.tenant} does not offer ${NAMES[feature]} (platform.features of its profile)`, {
      feature, offered: city.profile.platform?.features ?? [],
    });
  }
}
