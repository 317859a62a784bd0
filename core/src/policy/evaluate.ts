/**
 * The policy engine: one report, one city, one clock → a decision. Pure and synchronous;
 * the same function serves the party app's pre-check, case intake, the CLI and the
 * profile examples, so they can never disagree.
 */
import type { AccidentReport, Decision, PathDecision, Reason } from '../generated/types.ts';
import type { Clock } from '../clock.ts';
import type { CompiledCity } from './city.ts';
import { checkEligibility, type RuleResult } from './eligibility.ts';
import { formatLocal, toLocal } from './localTime.ts';
import { CHANNEL_NAMES, PATH_NAMES, reason } from './reasons.ts';
import { locateParty } from './datum.ts';

export function evaluate(city: CompiledCity, report: AccidentReport, clock: Clock): Decision {
  const reasons: Reason[] = [];
  const checks: RuleResult[] = [];

  const channel = report.channel ?? city.defaultChannel;
  const channelOk = city.channels.has(channel);
  if (!channelOk) {
    const names = CHANNEL_NAMES[channel]!;
    reasons.push(reason('channel_not_offered', { channel: names.zh, channelEn: names.en }));
  }
  checks.push({ rule: 'channel', passed: channelOk, detail: channel });

  const local = toLocal(clock.now(), city.profile.timezone);
  const now = formatLocal(local);
  const open = city.hours.isOpen(local);
  if (!open) reasons.push(reason('outside_service_hours', { hours: city.hours.text.en, hoursZh: city.hours.text.zh, now: now.slice(11, 16) }));
  checks.push({ rule: 'service_hours', passed: open, detail: `${now} in ${city.hours.text.en}` });

  // The report is WGS-84 (the phone's GPS); the city's map may be GCJ-02: datum.ts.
  const district = locateParty(city, report.location.lng, report.location.lat);
  const covered = district !== null && city.included.has(district);
  if (!covered) {
    // Outside every district of the city's map: said in words (raw coordinates help nobody at the roadside).
    const { zh, en } = city.profile.city;
    reasons.push(reason('district_not_covered', district !== null ? { place: district, placeEn: district } : { place: `${zh}市辖区以外`, placeEn: `outside ${en ?? zh}` }));
  }
  checks.push({ rule: 'area', passed: covered, detail: district ?? `outside every district (${report.location.lng}, ${report.location.lat})` });
  const brigade = district !== null && covered ? (city.brigadeByDistrict.get(district) ?? null) : null;

  // A photo-only city takes no video reports: said as a reason, so intake and the pre-check agree.
  if (!city.paths.has('video')) {
    reasons.push(reason('path_not_offered', { path: PATH_NAMES.video.zh, pathEn: PATH_NAMES.video.en }));
    checks.push({ rule: 'path:video', passed: false });
  }
  checkEligibility({ eligibility: city.profile.eligibility, typeByKind: city.typeByKind, requires: city.requires }, report, reasons, checks);

  const eligible = reasons.length === 0;
  const video: PathDecision = { offered: city.paths.has('video'), eligible, reasons };
  return {
    eligible,
    reasons,
    district,
    brigade: brigade ? { id: brigade.id, name: brigade.name } : null,
    channel,
    localTime: now,
    checks,
    paths: { video, photo: photoDecision(city, report, district, covered) },
    fallback: eligible
      ? null
      : { action: 'onsite_police', phones: city.profile.fallback.phones, message: city.profile.fallback.message },
  };
}

/**
 * The photo path (事故快处) for the same report. No seat is called at the scene, so the
 * service hours and the channel do not apply; the place must still be in the city's area,
 * since its brigade answers the online determination when the parties disagree.
 */
function photoDecision(city: CompiledCity, report: AccidentReport, district: string | null, covered: boolean): PathDecision {
  const photo = city.photo;
  if (!photo) return { offered: false, eligible: false, reasons: [reason('path_not_offered', { path: PATH_NAMES.photo.zh, pathEn: PATH_NAMES.photo.en }, 'photo')] };
  const reasons: Reason[] = [];
  if (!covered) {
    const { zh, en } = city.profile.city;
    reasons.push(reason('district_not_covered', district !== null ? { place: district, placeEn: district } : { place: `${zh}市辖区以外`, placeEn: `outside ${en ?? zh}` }, 'photo'));
  }
  checkEligibility(photo, report, reasons, [], 'photo');
  return { offered: true, eligible: reasons.length === 0, reasons };
}
