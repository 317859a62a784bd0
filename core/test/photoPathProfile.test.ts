/**
 * Issue 18: the profile switch for the photo path (paths: [video, photo]) and its section
 * (photoPath) are checked like the rest of the DSL — every problem at its line and column —
 * and keep the 12123 App's national minimum for 事故快处.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileProfile, formatProblem } from '../src/profile/index.ts';
import { citiesDir } from '../src/paths.ts';
import { evaluate } from '../src/policy/evaluate.ts';
import { fixedClock } from '../src/clock.ts';

const KUNMING = readFileSync(path.join(citiesDir, 'kunming.yaml'), 'utf8');
const HARBIN = readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8');
const FILE = 'cities/kunming.yaml';

function edited(from: string, to: string, text = KUNMING) {
  assert.ok(text.includes(from), `fixture text not found: ${from}`);
  const out = text.replace(from, to);
  const result = compileProfile(out, FILE);
  assert.equal(result.ok, false, 'the edited profile must be rejected');
  return { text: out, lines: result.ok ? [] : result.problems.map(formatProblem) };
}

/** `file:line:col` of the first occurrence of `needle` in `text`. */
function at(text: string, needle: string): string {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `not found: ${needle}`);
  const before = text.slice(0, i).split('\n');
  return `${FILE}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('the photo path in a profile', () => {
  test('a profile without `paths` offers video only, unchanged (Harbin)', () => {
    const r = compileProfile(HARBIN, 'cities/harbin.yaml');
    assert.ok(r.ok);
    assert.deepEqual([...r.city.paths], ['video']);
    assert.equal(r.city.photo, null);
  });

  test('Kunming offers both, with its shots; its examples (photo decisions among them) pass', () => {
    const r = compileProfile(KUNMING, FILE);
    assert.ok(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
    assert.deepEqual([...r.city.paths], ['video', 'photo']);
    assert.deepEqual(r.city.photo!.shots.map((s) => s.shot), ['side_front', 'side_rear', 'collision_point', 'road_markings']);
    // A single vehicle with a minor injury: the video path takes it in Kunming; the photo path says why not, in the party's words.
    const d = evaluate(r.city, { location: { lng: 102.749, lat: 24.95 }, kind: 'single_vehicle', injury: 'minor' }, fixedClock('2026-06-01T10:00:00+08:00'));
    assert.equal(d.eligible, true);
    assert.deepEqual(d.paths!.video, { offered: true, eligible: true, reasons: [] });
    assert.equal(d.paths!.photo.eligible, false);
    assert.deepEqual(d.paths!.photo.reasons.map((x) => x.code), ['type_not_accepted']);
    assert.match(d.paths!.photo.reasons.find((x) => x.code === 'type_not_accepted')!.message.zh, /事故快处仅受理两辆机动车之间的事故/);
    // Two cars with a minor injury: video yes, photo no (injury).
    const hurt = evaluate(r.city, { location: { lng: 102.704, lat: 25.048 }, kind: 'motor_motor', injury: 'minor' }, fixedClock('2026-06-01T10:00:00+08:00'));
    assert.equal(hurt.eligible, true);
    assert.deepEqual(hurt.paths!.photo.reasons.map((x) => x.code), ['injury_not_accepted']);
    assert.doesNotMatch([...d.paths!.photo.reasons, ...hurt.paths!.photo.reasons].map((x) => x.message.zh).join(''), /视频/);
  });

  test('an unknown path is a schema problem at its place', () => {
    const { text, lines } = edited('paths: [video, photo]', 'paths: [video, phot]');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0]!.startsWith(`${at(text, 'phot]')} paths[1]: `), lines[0]);
  });

  test('photo offered without its section, and a section without the switch', () => {
    const cut = KUNMING.slice(KUNMING.indexOf('photoPath:'), KUNMING.indexOf('\neligibility:'));
    const missing = edited(cut, '');
    assert.deepEqual(missing.lines, [`${at(missing.text, 'photo]')} paths[1]: the photo path needs its rules and shots (hint: add a \`photoPath:\` section with \`eligibility\` and \`shots\`)`]);
    const unused = edited('paths: [video, photo]', 'paths: [video]');
    assert.deepEqual(unused.lines, [`${at(unused.text, 'photoPath:')} photoPath: photoPath is written but paths does not offer "photo" (hint: add \`photo\` to \`paths: [video, photo]\`, or remove photoPath)`]);
  });

  test('the national minimum: two motor vehicles, no injury, two parties, licensed, insured, disqualifiers asked', () => {
    const { text, lines } = edited(
      '      - kind: motor_motor\n        injuries: [none]\n        label: { zh: 两车事故',
      '      - kind: single_vehicle\n        injuries: [none, minor]\n        label: { zh: 两车事故',
    );
    const photoAt = text.indexOf('photoPath:');
    const after = (needle: string) => at(text.slice(0, photoAt) + text.slice(photoAt).replace(needle, '\u0000'), '\u0000');
    assert.deepEqual(lines, [
      `${after('single_vehicle')} photoPath.eligibility.accidentTypes[0].kind: the photo path takes only accidents between two motor vehicles, not "single_vehicle" (hint: use \`kind: motor_motor\`; other accidents take the video path or on-site police)`,
      `${after('minor]')} photoPath.eligibility.accidentTypes[0].injuries[1]: the photo path takes only accidents without injury, not "minor" (hint: use \`injuries: [none]\`)`,
    ]);
    const more = edited('    maxParties: 2\n  shots:', '    maxParties: 3\n  shots:');
    assert.deepEqual(more.lines, [`${at(more.text, '3\n  shots:')} photoPath.eligibility.maxParties: the photo path takes two parties, not 3 (hint: use \`maxParties: 2\`)`]);
    const lax = edited(
      'requires: [licences_valid, registration_valid, all_motor_insured, vehicles_movable, plated]\n    disqualifiers: [drink_driving, drug_driving, hit_and_run, overload_or_speeding, dangerous_goods]',
      'requires: [registration_valid, vehicles_movable, plated]\n    disqualifiers: [drink_driving, drug_driving, hit_and_run]',
    );
    assert.equal(lax.lines.length, 3, lax.lines.join('\n'));
    assert.match(lax.lines.join('\n'), /photoPath\.eligibility\.requires: the photo path must require "licences_valid"/);
    assert.match(lax.lines.join('\n'), /photoPath\.eligibility\.requires: the photo path must require "all_motor_insured"/);
    assert.match(lax.lines.join('\n'), /photoPath\.eligibility\.disqualifiers: the photo path must ask about "overload_or_speeding"/);
  });

  test('the shots: side-front and side-rear of each vehicle, the collision point, ids unique', () => {
    const noCollision = edited('{ id: collision_point, shot: collision_point,', '{ id: collision_point, shot: collision_point, optional: true,');
    assert.deepEqual(noCollision.lines, [`${at(noCollision.text, 'shots:')} photoPath.shots: the photo path needs a required "collision_point" shot (hint: add \`- { id: collision_point, shot: collision_point, label: { zh: …, en: … } }\`)`]);
    const once = edited('{ id: side_rear, shot: side_rear, per: vehicle,', '{ id: side_rear, shot: side_rear,');
    assert.deepEqual(once.lines, [`${at(once.text, '{ id: side_rear')} photoPath.shots[1]: the "side_rear" shot is taken of each vehicle (hint: add \`per: vehicle\`)`]);
    const twice = edited('{ id: road_markings,', '{ id: side_front,');
    assert.deepEqual(twice.lines, [`${at(twice.text, 'side_front, shot: road_markings')} photoPath.shots[3].id: shot "side_front" is already defined at photoPath.shots[0]`]);
  });

  test('a photo-only city refuses the video path with a reason', () => {
    const text = KUNMING.replace('paths: [video, photo]', 'paths: [photo]').replace(/\nexamples:[\s\S]*$/, '\n');
    const r = compileProfile(text, FILE);
    assert.ok(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
    const d = evaluate(r.city, { location: { lng: 102.752, lat: 25.116 }, kind: 'motor_motor' }, fixedClock('2026-06-01T10:00:00+08:00'));
    assert.equal(d.eligible, false);
    assert.deepEqual(d.reasons.map((x) => x.code), ['path_not_offered']);
    assert.equal(d.paths!.video.offered, false);
    assert.deepEqual(d.paths!.photo, { offered: true, eligible: true, reasons: [] });
  });
});
