/**
 * Reading a case's evidence for the desk: which items still count (an item corrected by a later
 * one does not), their text, and a first draft of the parties (names, plates, vehicle classes,
 * insurers) from what the seat recorded and the automatic checks found.
 */
import type { CaseView, EvidenceView, LiabilityGrade, VehicleClass } from '@kuaichu/core/generated/types.ts';

export type Evidence = EvidenceView;

/** Items not corrected by a later item, in chain order. */
export function currentItems(items: readonly Evidence[]): Evidence[] {
  const superseded = new Set(items.map((i) => i.supersedes).filter(Boolean));
  return items.filter((i) => !superseded.has(i.id));
}

export function isSuperseded(items: readonly Evidence[], item: Evidence): boolean {
  return items.some((i) => i.supersedes === item.id);
}

const LIST_SPLIT = /[、,，;；\n]+/;

/** A list the seat typed: an array field (names, plates) or a text to split. */
export function listOf(data: Record<string, unknown>, field: string): string[] {
  const v = data[field];
  if (Array.isArray(v)) return v.map(String).map((s) => s.trim()).filter(Boolean);
  if (typeof data.text === 'string') return data.text.split(LIST_SPLIT).map((s) => s.trim()).filter(Boolean);
  return [];
}

/** The words of a typed item, however the seat's console shaped them. */
export function textOf(data: Record<string, unknown>): string {
  if (typeof data.text === 'string') return data.text;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (k === 'filename') continue;
    if (Array.isArray(v)) parts.push(v.map(String).join('、'));
    else if (v !== null && typeof v !== 'object') parts.push(String(v));
  }
  return parts.join(' · ');
}

export interface CheckData {
  check?: string;
  ok?: boolean;
  status?: string;
  detail?: string;
  checkedAt?: string;
  subject?: { name?: string; idNumber?: string; plate?: string; insurerId?: string | null; policyNumber?: string | null };
}

export function checkOf(e: Evidence): CheckData {
  return e.data as CheckData;
}

export interface PartyDraft {
  name: string;
  plate: string;
  phone: string;
  vehicleClass: VehicleClass | '';
  insurerId: string;
  faults: string[];
  otherFault: string;
  liability: LiabilityGrade | '';
}

export const emptyParty = (): PartyDraft => ({ name: '', plate: '', phone: '', vehicleClass: '', insurerId: '', faults: [], otherFault: '', liability: '' });

/** The first draft of the parties: the seat's names and plates, the report's vehicle classes, the 交强险 check's insurer. */
export function draftParties(view: CaseView): PartyDraft[] {
  const items = currentItems(view.evidence ?? []);
  const last = (id: string) => items.filter((i) => i.item === id).pop();
  const names = last('party_names') ? listOf(last('party_names')!.data, 'names') : [];
  const vehicles = view.report?.vehicles ?? [];
  const typedPlates = last('plates') ? listOf(last('plates')!.data, 'plates') : [];
  const plates = typedPlates.length ? typedPlates : vehicles.map((v) => v.plate ?? '').filter(Boolean);
  const insurers = new Map<string, string>();
  for (const i of items) {
    const s = checkOf(i).subject;
    if (i.kind === 'check' && s?.plate && s.insurerId) insurers.set(s.plate, s.insurerId);
  }
  const count = Math.min(4, Math.max(2, names.length, plates.length, view.report?.parties ?? 0));
  return Array.from({ length: count }, (_, i) => {
    const plate = plates[i] ?? '';
    return {
      ...emptyParty(),
      name: names[i] ?? '',
      plate,
      vehicleClass: vehicles.find((v) => v.plate === plate)?.class ?? vehicles[i]?.class ?? '',
      insurerId: insurers.get(plate) ?? '',
    };
  });
}

/**
 * The parties of an issued determination, as the draft to revise after a review: grades and
 * behaviours as issued (common behaviours ticked again), names from the seat's record (the
 * view masks them).
 */
export function partiesFromDetermination(view: CaseView, draft: PartyDraft[], faultIds: readonly string[], faultText: (id: string) => string): PartyDraft[] {
  const d = view.determination;
  if (!d) return draft;
  return d.parties.map((p, i) => {
    const parts = p.faultBehaviour === '无' ? [] : p.faultBehaviour.split('；').map((x) => x.trim()).filter(Boolean);
    const faults = faultIds.filter((id) => parts.includes(faultText(id)));
    const other = parts.filter((x) => !faults.some((id) => faultText(id) === x)).join('；');
    return {
      ...emptyParty(),
      ...(draft.find((x) => x.plate === p.plate) ?? draft[i] ?? {}),
      plate: p.plate,
      insurerId: p.insurerId ?? draft[i]?.insurerId ?? '',
      liability: p.liability,
      faults,
      otherFault: other,
    };
  });
}
