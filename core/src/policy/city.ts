/**
 * A city profile compiled for fast decisions: the validated profile plus the indexes the
 * rules use on every report (district polygons, district → brigade, service windows).
 * Built only from a profile that passed every check, so rules can trust it.
 */
import type { AccidentType, Brigade, CityProfile, ChannelId, CollisionKind, Condition, Eligibility, PathId, PhotoShot } from '../generated/types.ts';
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
  /** The remote paths the city offers (video unless the profile says otherwise). */
  readonly paths: ReadonlySet<PathId>;
  /** The photo path's rules and shots, when the city offers it. */
  readonly photo: CompiledPhotoPath | null;
}

/** One path's eligibility, indexed like the video path's. */
export interface CompiledRules {
  readonly eligibility: Eligibility;
  readonly typeByKind: ReadonlyMap<CollisionKind, AccidentType>;
  readonly requires: ReadonlySet<Condition>;
}

export interface CompiledPhotoPath extends CompiledRules {
  readonly shots: readonly PhotoShot[];
}

export function compileRules(eligibility: Eligibility): CompiledRules {
  return { eligibility, typeByKind: new Map(eligibility.accidentTypes.map((t) => [t.kind, t])), requires: new Set(eligibility.requires) };
}
