/**
 * The photo path's part of a profile (paths, photoPath): the switch and its section agree,
 * and the path keeps the national minimum of the 12123 App's 事故快处 — two motor vehicles,
 * nobody hurt, licensed and insured, the disqualifiers asked, and the guided photos
 * (each vehicle's side-front and side-rear, the collision point; at least 3).
 */
import type { CityProfile, Condition, Disqualifier, ShotKind } from '../generated/types.ts';
import { compileRules, type CompiledPhotoPath } from '../policy/city.ts';
import type { ProblemList } from './problems.ts';

const PHOTO_REQUIRES: readonly Condition[] = ['licences_valid', 'all_motor_insured'];
const PHOTO_DISQUALIFIERS: readonly Disqualifier[] = ['drink_driving', 'drug_driving', 'hit_and_run', 'overload_or_speeding'];
const PHOTO_SHOTS: ReadonlyArray<{ shot: ShotKind; perVehicle: boolean }> = [
  { shot: 'side_front', perVehicle: true },
  { shot: 'side_rear', perVehicle: true },
  { shot: 'collision_point', perVehicle: false },
];
const MIN_PHOTOS = 3;

/** The photo path compiled, or null when the city does not offer it (problems added when the profile is wrong). */
export function checkPhotoPath(profile: CityProfile, problems: ProblemList): CompiledPhotoPath | null {
  const paths = profile.paths ?? ['video'];
  const offered = paths.indexOf('photo');
  const section = profile.photoPath;
  if (offered < 0) {
    if (section) problems.add(['photoPath'], 'photoPath is written but paths does not offer "photo"', 'add `photo` to `paths: [video, photo]`, or remove photoPath', { key: true });
    return null;
  }
  if (!section) {
    problems.add(['paths', offered], 'the photo path needs its rules and shots', 'add a `photoPath:` section with `eligibility` and `shots`');
    return null;
  }
  const at = ['photoPath', 'eligibility'];
  const e = section.eligibility;
  e.accidentTypes.forEach((t, i) => {
    if (t.kind !== 'motor_motor') problems.add([...at, 'accidentTypes', i, 'kind'], `the photo path takes only accidents between two motor vehicles, not "${t.kind}"`, 'use `kind: motor_motor`; other accidents take the video path or on-site police');
    t.injuries.forEach((inj, j) => {
      if (inj !== 'none') problems.add([...at, 'accidentTypes', i, 'injuries', j], `the photo path takes only accidents without injury, not "${inj}"`, 'use `injuries: [none]`');
    });
  });
  if (e.maxParties === undefined) problems.add(at, 'the photo path needs `maxParties: 2` (two vehicles, each party on their own phone)');
  else if (e.maxParties > 2) problems.add([...at, 'maxParties'], `the photo path takes two parties, not ${e.maxParties}`, 'use `maxParties: 2`');
  for (const c of PHOTO_REQUIRES) if (!e.requires.includes(c)) problems.add([...at, 'requires'], `the photo path must require "${c}"`, `unlicensed or uninsured drivers cannot settle by themselves: add \`${c}\``);
  for (const d of PHOTO_DISQUALIFIERS) if (!e.disqualifiers.includes(d)) problems.add([...at, 'disqualifiers'], `the photo path must ask about "${d}"`, `${PHOTO_DISQUALIFIERS.join(', ')} are asked on the photo path (12123 rule)`);

  const shots = section.shots;
  const seen = new Map<string, number>();
  shots.forEach((s, i) => {
    const first = seen.get(s.id);
    if (first !== undefined) problems.add(['photoPath', 'shots', i, 'id'], `shot "${s.id}" is already defined at photoPath.shots[${first}]`);
    else seen.set(s.id, i);
  });
  const required = shots.filter((s) => !s.optional);
  for (const need of PHOTO_SHOTS) {
    const found = required.find((s) => s.shot === need.shot);
    if (!found) problems.add(['photoPath', 'shots'], `the photo path needs a required "${need.shot}" shot`, `add \`- { id: ${need.shot}, shot: ${need.shot}${need.perVehicle ? ', per: vehicle' : ''}, label: { zh: …, en: … } }\``, { key: true });
    else if (need.perVehicle && found.per !== 'vehicle') problems.add(['photoPath', 'shots', shots.indexOf(found)], `the "${need.shot}" shot is taken of each vehicle`, 'add `per: vehicle`');
  }
  const photos = required.reduce((n, s) => n + photosOfShot(s.per), 0);
  if (photos < MIN_PHOTOS) problems.add(['photoPath', 'shots'], `the photo path takes at least ${MIN_PHOTOS} required photos; these shots make ${photos}`, undefined, { key: true });
  return { ...compileRules(e), shots };
}

/** How many photos of a shot a case of two vehicles needs. */
export function photosOfShot(per: 'vehicle' | undefined): number {
  return per === 'vehicle' ? 2 : 1;
}
