/**
 * The party app's vocabulary: what a city tells the app, the questions it asks (each mapped to a
 * field of the AccidentReport the policy engine reads), input formats, and small helpers.
 */
import type {
  AccidentReport, CaseState, CityPublic, CollisionKind, Condition, Disqualifier, LocalText,
} from '@kuaichu/core/generated/types.ts';
import { insurerName as sharedInsurerName } from '../lib/insurers.ts';

/**
 * GET /api/cities/:tenant: the questions and accepted answers, the fallback, the server's clock
 * (`now`: the phone's clock is never trusted) and a point inside each district for a place
 * chosen by hand.
 */
export type CityInfo = CityPublic;

/** A mainland mobile number (the server's PHONE_PATTERN), shared with the staff screens. */
export { PHONE_RE } from '../lib/phone.ts';
export const CODE_RE = /^\d{6}$/;

/**
 * A Chinese number plate: province, issuing letter, then five characters (黑A12345, 黑A8K2Q7,
 * 黑A1234学) or six for a new-energy vehicle (黑AD56789). I and O are never used.
 */
export const PLATE_RE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{4}[挂学警港澳]|[DF][A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{5}[DF])$/;

export function normalizePlate(s: string): string {
  return s.replace(/[\s·•.-]/g, '').toUpperCase();
}

export const KINDS: CollisionKind[] = ['motor_motor', 'motor_non_motor', 'single_vehicle'];
export const INJURIES = ['none', 'minor', 'serious', 'death'] as const;
export type Injury = (typeof INJURIES)[number];

/** A yes/no question and the report field its answer sets. "Yes" is always the answer that keeps remote handling possible. */
export const CONDITION_FIELDS: Record<Condition, keyof AccidentReport> = {
  licences_valid: 'licencesValid',
  registration_valid: 'registrationValid',
  all_motor_insured: 'insured',
  vehicles_movable: 'movable',
  plated: 'plated',
  owner_present: 'ownerPresent',
  urban_road: 'urbanRoad',
};

/** The conditions to ask about for an accident kind: the city's, plus the kind's own (Kunming single-vehicle: owner present). */
export function conditionsFor(city: CityInfo, kind: CollisionKind | null): Condition[] {
  const set = new Set<Condition>(city.requires);
  const type = city.accidentTypes.find((a) => a.kind === kind);
  for (const c of type?.conditions ?? []) set.add(c);
  // Where the photo path is offered, its own conditions are asked too (Kunming: plated).
  if (city.paths?.includes('photo')) for (const c of city.photoPath?.eligibility.requires ?? []) set.add(c);
  // Movability and insurance are always asked (the questions), whatever the profile requires.
  set.add('all_motor_insured');
  set.add('vehicles_movable');
  const order: Condition[] = ['all_motor_insured', 'vehicles_movable', 'licences_valid', 'registration_valid', 'plated', 'owner_present', 'urban_road'];
  return order.filter((c) => set.has(c));
}

export interface Draft {
  /** The idempotency key of this report: a retry or a double tap sends the same one. */
  clientKey: string;
  location: { lng: number; lat: number; accuracyMeters?: number; source: 'gps' | 'manual' } | null;
  district: string;
  /** 确认事故地点: the road and landmark as the party confirms or types them (sent as report.address). */
  address: string;
  /** What the app put in `address` from the located district, so it is replaced only while the party has not changed it. */
  addressPrefill: string;
  kind: CollisionKind | null;
  parties: number;
  plates: string[];
  injury: Injury | null;
  answers: Partial<Record<Condition, boolean>>;
  disqualifiers: Disqualifier[];
  /** The party confirmed that none of the listed circumstances apply (or ticked some). */
  disqualifiersAnswered: boolean;
}

export function newClientKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export function emptyDraft(): Draft {
  return {
    clientKey: newClientKey(), location: null, district: '', address: '', addressPrefill: '', kind: null, parties: 2, plates: ['', ''],
    injury: null, answers: {}, disqualifiers: [], disqualifiersAnswered: false,
  };
}

/** Plates asked for: every party of a motor-vehicle accident; a non-motor party has none. */
export function plateCount(kind: CollisionKind | null, parties: number): number {
  if (kind === 'single_vehicle') return 1;
  if (kind === 'motor_non_motor') return Math.max(1, parties - 1);
  return parties;
}

/**
 * The AccidentReport of a complete draft. `language` is the app's language the party reads
 * (zh / en): a city's queue.skills may route the call to a seat who speaks it.
 */
export function toReport(d: Draft, channel: string | null, language?: string): AccidentReport {
  const report: AccidentReport = {
    location: { lng: d.location!.lng, lat: d.location!.lat, source: d.location!.source, ...(d.location!.accuracyMeters != null ? { accuracyMeters: Math.round(d.location!.accuracyMeters) } : {}) },
    kind: d.kind!,
    injury: d.injury ?? 'none',
    parties: d.kind === 'single_vehicle' ? 1 : d.parties,
    vehicles: d.plates.slice(0, plateCount(d.kind, d.parties)).filter(Boolean).map((plate) => ({ plate })),
    disqualifiers: d.disqualifiers,
  };
  if (d.address.trim()) report.address = d.address.trim().slice(0, 200);
  if (channel) report.channel = channel as AccidentReport['channel'];
  if (language && /^[a-z]{2,3}$/.test(language)) report.language = language;
  for (const [cond, yes] of Object.entries(d.answers) as Array<[Condition, boolean]>) {
    if (cond === 'all_motor_insured') report.insured = yes ? (d.kind === 'motor_non_motor' ? 'motor_only' : 'all') : 'none';
    else (report as unknown as Record<string, unknown>)[CONDITION_FIELDS[cond]] = yes;
  }
  return report;
}

/** States in which the party is still at the roadside with an open call (the call screen shows them). */
export const ON_SCENE: CaseState[] = ['reported', 'queued', 'ringing', 'in_call', 'interrupted', 'evidence_complete'];

/** The insurer's one name, as the city profile gives it (lib/insurers.ts); — when there is none. */
export function insurerName(city: CityInfo | null, id: string | null | undefined, local: (t: LocalText) => string): string {
  return sharedInsurerName(city, id, local) || '—';
}

/** The first fallback phone of the city (122 or 110), for the safety line and refusals. */
export function firstPhone(city: CityInfo | null): string {
  return city?.fallback.phones[0]?.number ?? '122';
}

/**
 * A review deadline as people read it: the last day, to its end ("2026/11/26 24:00"), not the
 * instant after it ("2026/11/27 00:00"). In the city's time zone.
 */
export function lastDayText(iso: string, timeZone: string | undefined, locale: 'zh' | 'en'): string {
  const day = new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.parse(iso) - 1));
  return `${day} 24:00`;
}
