/**
 * Eligibility (适用范围): accident type, injury, required conditions and disqualifiers.
 * Every failed rule adds a reason; the party is told all of them at once, not one per try.
 */
import type { AccidentReport, Condition, PathId, Reason, ReasonCode } from '../generated/types.ts';
import type { CompiledRules } from './city.ts';
import { KIND_NAMES, reason as say } from './reasons.ts';

export interface RuleResult {
  rule: string;
  passed: boolean;
  detail?: string;
}

/** Which report answer satisfies each condition, and the reason when it does not. */
const CONDITIONS: Record<Condition, { holds: (r: AccidentReport) => boolean; fails: ReasonCode }> = {
  licences_valid: { holds: (r) => r.licencesValid !== false, fails: 'licence_invalid' },
  registration_valid: { holds: (r) => r.registrationValid !== false, fails: 'registration_invalid' },
  // motor_only still means every motor vehicle is insured: a bicycle carries no 交强险.
  all_motor_insured: { holds: (r) => (r.insured ?? 'all') !== 'none', fails: 'uninsured_vehicle' },
  vehicles_movable: { holds: (r) => r.movable !== false, fails: 'vehicle_not_movable' },
  plated: { holds: (r) => r.plated !== false, fails: 'unplated_vehicle' },
  owner_present: { holds: (r) => r.ownerPresent !== false, fails: 'owner_not_present' },
  urban_road: { holds: (r) => r.urbanRoad !== false, fails: 'not_urban_road' },
};

/** The rules of one path (the city's eligibility for video, photoPath.eligibility for photo); reasons worded for that path. */
export function checkEligibility(city: CompiledRules, report: AccidentReport, reasons: Reason[], checks: RuleResult[], path: PathId = 'video'): void {
  const reason = (code: ReasonCode, params?: Record<string, string>) => say(code, params, path);
  const kind = report.kind;
  const type = city.typeByKind.get(kind);
  const kindNames = KIND_NAMES[kind]!;
  if (!type) reasons.push(reason('type_not_accepted', { kind: kindNames.zh, kindEn: kindNames.en }));
  checks.push({ rule: 'accident_type', passed: Boolean(type), detail: kind });

  const injury = report.injury ?? 'none';
  let injuryOk = true;
  if (injury === 'death') (injuryOk = false), reasons.push(reason('death'));
  else if (injury === 'serious') (injuryOk = false), reasons.push(reason('serious_injury'));
  else if (type && !type.injuries.includes(injury)) {
    injuryOk = false;
    reasons.push(reason('injury_not_accepted', { kind: kindNames.zh, kindEn: kindNames.en }));
  }
  checks.push({ rule: 'injury', passed: injuryOk, detail: injury });

  const conditions = new Set<Condition>(city.requires);
  for (const c of type?.conditions ?? []) conditions.add(c);
  for (const c of conditions) {
    const rule = CONDITIONS[c];
    const ok = rule.holds(report);
    if (!ok) reasons.push(reason(rule.fails));
    checks.push({ rule: `condition:${c}`, passed: ok });
  }

  // Any declared disqualifier refuses: the profile only chooses which ones the app asks about.
  for (const d of report.disqualifiers ?? []) {
    reasons.push(reason(d));
    checks.push({ rule: `disqualifier:${d}`, passed: false });
  }

  const max = city.eligibility.maxParties;
  if (max !== undefined && report.parties !== undefined) {
    const ok = report.parties <= max;
    if (!ok) reasons.push(reason('too_many_parties', { parties: String(report.parties), max: String(max) }));
    checks.push({ rule: 'max_parties', passed: ok, detail: `${report.parties}/${max}` });
  }

  const classes = city.eligibility.vehicleClasses;
  if (classes) {
    for (const v of report.vehicles ?? []) {
      if (v.class && !classes.includes(v.class)) {
        reasons.push(reason('vehicle_class_not_accepted', { class: v.class }));
        checks.push({ rule: 'vehicle_class', passed: false, detail: v.class });
      }
    }
  }
}
