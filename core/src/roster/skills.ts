/**
 * Skills (技能) the queue matches, where a city needs them (profile `queue.skills`): a seat who
 * speaks the party's language, or handles an accident kind. A case needs the first skill whose
 * `when` its report meets; the queue offers it only to seats with that skill before overflow
 * (cases/queue.ts, persistence/seats.ts claimFor).
 */
import type { AccidentReport, QueueSkill } from '../generated/types.ts';
import type { CompiledCity } from '../policy/city.ts';

export function citySkills(city: CompiledCity): readonly QueueSkill[] {
  return city.profile.queue?.skills ?? [];
}

/** The skill a report needs of its seat, or null. */
export function requiredSkill(city: CompiledCity, report: Partial<AccidentReport> | null | undefined): string | null {
  if (!report) return null;
  for (const s of citySkills(city)) {
    const w = s.when;
    if (w.language && !(report.language && w.language.includes(report.language))) continue;
    if (w.kind && !(report.kind && w.kind.includes(report.kind))) continue;
    return s.id;
  }
  return null;
}

/** Skill ids the city does not declare (a seat may only be given declared ones). */
export function unknownSkills(city: CompiledCity, skills: readonly string[]): string[] {
  const known = new Set(citySkills(city).map((s) => s.id));
  return skills.filter((s) => !known.has(s));
}
