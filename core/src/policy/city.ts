/**
 * A city profile compiled for fast decisions: the validated profile plus the indexes the
 * rules use on every report (district polygons, district → brigade, service windows).
 * Built only from a profile that passed every check, so rules can trust it.
 */
import type { AccidentType, Brigade, CityProfile, ChannelId, CollisionKind, Condition } from '../generated/types.ts';
import type { DistrictIndex } from './geofence.ts';
import type { ServiceHours } from './serviceHours.ts';

export interface CompiledCity {
  readonly tenant: string;
  /** The profile with the schema's defaults filled in. */
  readonly profile: CityProfile;
  /** The YAML file it came from, relative to the repo (`cities/harbin.yaml`). */
  readonly file: string;
  /** The published version it is (profile_versions); absent when it is the file shipped in cities/. */
  readonly version?: number;
  readonly hours: ServiceHours;
  readonly districts: DistrictIndex;
  readonly included: ReadonlySet<string>;
  readonly brigadeByDistrict: ReadonlyMap<string, Brigade>;
  readonly channels: ReadonlySet<ChannelId>;
  readonly defaultChannel: ChannelId;
  readonly typeByKind: ReadonlyMap<CollisionKind, AccidentType>;
  readonly requires: ReadonlySet<Condition>;
}
