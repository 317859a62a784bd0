/**
 * The checklist state of a case (取证清单): for each line of the city's checklist, what is
 * needed and what counts. A line counted per party, driver or vehicle needs its min for each
 * one of them (parties.ts), so two cars need two licence, registration and 交强险 checks.
 *
 * A check counts each subject (a driver, a plate) the registry answered about, passed or not:
 * a lapsed 交强险 is a finding about a vehicle that was checked, not missing evidence. Findings
 * are listed on the line for the seat, who decides whether the case goes to on-site police
 * (转现场处置); they do not hold the checklist open, or a mistyped ID number checked once
 * would block the case for good. A registry that could not answer (down, its breaker open) is
 * recorded as "verify manually" (checks.ts): a finding the seat resolves by looking at the papers,
 * so the call goes on; an 'unavailable' without that mark, or an input the registry refused as
 * malformed, leaves the subject unchecked; an OCR reading counts once it passed.
 */
import type { AccidentReport, EvidenceItem } from '../generated/types.ts';
import { caseParties, listEntries, normalizePlate, platesIn, unitCount, unitOf, type CaseParties, type CountUnit } from './parties.ts';

export interface CheckFinding {
  subject: string;
  status: string;
  detail: string;
}

export interface ChecklistLine {
  id: string;
  kind: EvidenceItem['kind'];
  label: EvidenceItem['label'];
  min: number;
  have: number;
  satisfied: boolean;
  optional: boolean;
  per?: CountUnit;
  findings?: CheckFinding[];
}

interface Item {
  id: string;
  item: string;
  data: Record<string, unknown>;
  supersedes: string | null;
}

/** Checklist state: superseded items do not count; lines per party, driver or vehicle scale with the case. */
export function checklist(spec: readonly EvidenceItem[], items: readonly Item[], report: AccidentReport): ChecklistLine[] {
  const superseded = new Set(items.map((i) => i.supersedes).filter(Boolean));
  const current = items.filter((i) => !superseded.has(i.id));
  const who = caseParties(report, spec, current);
  return spec.map((s) => {
    const per = unitOf(s);
    const min = (s.min ?? 1) * unitCount(who, per);
    const mine = current.filter((i) => i.item === s.id);
    const line: ChecklistLine = { id: s.id, kind: s.kind, label: s.label, min, have: 0, satisfied: false, optional: s.optional ?? false, ...(per ? { per } : {}) };
    if (s.kind === 'check') {
      const { have, findings } = countChecks(mine, per, who);
      line.have = have;
      if (findings.length) line.findings = findings;
    } else if (s.kind === 'text' && per) {
      // A list line: one entry per party (names) or per vehicle (plates); the newest item is the list.
      const entries = mine.length ? listEntries(mine[mine.length - 1]!.data) : [];
      line.have = per === 'party' ? entries.length : platesIn(entries).length;
    } else {
      line.have = mine.length;
    }
    line.satisfied = line.have >= min;
    return line;
  });
}

export function isComplete(lines: readonly ChecklistLine[]): boolean {
  return lines.every((l) => l.satisfied || l.optional);
}

/** What is missing, as a person reads it: "驾驶人核验 1/2". */
export function missingLines(lines: readonly ChecklistLine[]): Array<{ item: string; label: string; have: number; min: number }> {
  return lines.filter((l) => !l.satisfied && !l.optional).map((l) => ({ item: l.id, label: l.label.zh, have: l.have, min: l.min }));
}

/**
 * No answer about the subject: the registry was down; or an OCR reading that failed (unreadable,
 * or not the plate the seat typed), which says nothing about the vehicle: the seat takes
 * another photo. A plate counts as read once a reading passed.
 */
function noAnswer(d: { check?: unknown; status?: unknown; ok?: unknown; verifyManually?: unknown }): boolean {
  return (d.status === 'unavailable' && d.verifyManually !== true) || (d.check === 'plate_ocr' && d.ok !== true);
}

/**
 * Distinct subjects answered about, and the newest answer of each that failed. A vehicle check
 * counts the case's plates; a plate not on the case's list fills only a vehicle the list does
 * not name yet (so a mistyped plate does not stand in for the other car).
 */
function countChecks(results: readonly Item[], per: CountUnit | undefined, who: CaseParties): { have: number; findings: CheckFinding[] } {
  const latest = new Map<string, { ok: boolean; status: string; detail: string; label: string }>();
  for (const r of results) {
    const d = r.data as { check?: string; ok?: boolean; status?: string; detail?: string; subject?: Record<string, unknown> };
    const s = d.subject ?? {};
    const key = subjectKey(per, s);
    if (!key || noAnswer(d)) continue;
    latest.set(key, { ok: d.ok === true, status: String(d.status ?? ''), detail: String(d.detail ?? ''), label: subjectLabel(s) });
  }
  let keys = [...latest.keys()];
  if (per === 'vehicle' && who.plates.length) {
    const listed = keys.filter((k) => who.plates.includes(k));
    const others = keys.filter((k) => !who.plates.includes(k)).slice(0, Math.max(0, who.vehicles - who.plates.length));
    keys = [...listed, ...others];
  }
  const findings = keys.map((k) => latest.get(k)!).filter((r) => !r.ok).map((r) => ({ subject: r.label, status: r.status, detail: r.detail }));
  return { have: keys.length, findings };
}

/** Who or what a check result is about: a driver by the keyed hash of the ID number (checks.ts), a vehicle by its plate. */
function subjectKey(per: CountUnit | undefined, s: Record<string, unknown>): string | null {
  if (per === 'vehicle') return typeof s.plate === 'string' && s.plate ? normalizePlate(s.plate) : null;
  const key = s.key ?? s.idNumber;
  return typeof key === 'string' && key ? key : null;
}

function subjectLabel(s: Record<string, unknown>): string {
  return [s.name, s.idNumber, s.plate].filter((x) => typeof x === 'string' && x).join(' ');
}

export { caseParties };
