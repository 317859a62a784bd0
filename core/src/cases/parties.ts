/**
 * Who is in a case, as the checklist counts it: how many parties and how many motor vehicles
 * (each with a driver) the seat must record and check. The most any source says wins: the
 * kind of accident (a collision has two parties), the party's report (parties, vehicles) and
 * what the seat recorded (the names and plates lines). A list line the seat has not filled
 * yet never lowers the count, so one checked driver of two is 1/2, not 1/1.
 */
import type { AccidentReport, EvidenceItem } from '../generated/types.ts';

export type CountUnit = NonNullable<EvidenceItem['per']>;

export interface CaseParties {
  parties: number;
  /** Motor vehicles: one plate, registration, 交强险 and driver's licence each. */
  vehicles: number;
  /** The plates the seat recorded (else the report's), normalised; may be fewer than `vehicles`. */
  plates: string[];
}

/** The smallest party and motor-vehicle counts each kind of accident implies. */
const KIND_MINIMUM: Record<AccidentReport['kind'], { parties: number; vehicles: number }> = {
  motor_motor: { parties: 2, vehicles: 2 },
  motor_non_motor: { parties: 2, vehicles: 1 },
  single_vehicle: { parties: 1, vehicles: 1 },
};

/** What each automatic check is about, when the line does not say (per). */
export const CHECK_UNIT: Readonly<Record<NonNullable<EvidenceItem['check']>, CountUnit>> = {
  driver_licence: 'driver',
  face_match: 'party',
  vehicle_registration: 'vehicle',
  compulsory_insurance: 'vehicle',
  plate_ocr: 'vehicle',
};

export function unitOf(line: EvidenceItem): CountUnit | undefined {
  return line.per ?? (line.kind === 'check' && line.check ? CHECK_UNIT[line.check] : undefined);
}

const LIST_SPLIT = /[、,，;；\n]+/;
const PLATE_SEPARATOR = /[\s·•・.\-]/gu;
/** A mainland plate: province, office letter, 5–6 letters or digits, an optional class character (挂, 学 …). */
const PLATE = /^\p{Script=Han}[A-Z][A-Z0-9]{4,6}\p{Script=Han}?$/u;

export function normalizePlate(p: string): string {
  return p.replace(PLATE_SEPARATOR, '').toUpperCase();
}

/** The entries of a list line: an array field (names, plates) or the typed text split at 、，; and new lines. */
export function listEntries(data: Record<string, unknown>): string[] {
  const arrays = Object.values(data).filter(Array.isArray) as unknown[][];
  const raw = arrays.length ? arrays[0]!.map(String) : typeof data.text === 'string' ? data.text.split(LIST_SPLIT) : [];
  return raw.map((s) => s.trim()).filter(Boolean);
}

/** Plates among a list's entries ("电动自行车" or "无" are not plates and do not count as vehicles). */
export function platesIn(entries: readonly string[]): string[] {
  return [...new Set(entries.map(normalizePlate).filter((p) => PLATE.test(p)))];
}

/**
 * Counts from the report and the current (not superseded) items of the list lines: the text
 * line counted per party holds the names, the one counted per vehicle the plates.
 */
export function caseParties(report: AccidentReport, spec: readonly EvidenceItem[], current: ReadonlyArray<{ item: string; data: Record<string, unknown> }>): CaseParties {
  const latest = (unit: CountUnit) => {
    const line = spec.find((s) => s.kind === 'text' && s.per === unit);
    const items = line ? current.filter((i) => i.item === line.id) : [];
    return items.length ? listEntries(items[items.length - 1]!.data) : [];
  };
  const names = latest('party');
  const typedPlates = platesIn(latest('vehicle'));
  const reported = report.vehicles ?? [];
  const reportedPlates = platesIn(reported.map((v) => v.plate ?? ''));
  const reportedMotor = reported.filter((v) => v.class !== 'non_motor').length;
  const kind = KIND_MINIMUM[report.kind] ?? KIND_MINIMUM.motor_motor;
  const parties = Math.max(kind.parties, report.parties ?? 0, names.length);
  // In a collision of motor vehicles every party drives one.
  const kindVehicles = report.kind === 'motor_motor' ? parties : kind.vehicles;
  const plates = typedPlates.length ? typedPlates : reportedPlates;
  return { parties, vehicles: Math.max(kindVehicles, reportedMotor, plates.length), plates };
}

/** How many of a unit the case has. */
export function unitCount(who: CaseParties, unit: CountUnit | undefined): number {
  if (!unit) return 1;
  return unit === 'party' ? who.parties : who.vehicles;
}
