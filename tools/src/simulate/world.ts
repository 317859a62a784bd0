/**
 * The simulated city: when accidents happen, where, of which kind, and how long people take.
 * Defaults come from the city's profile and from the sources (shared/domain.md):
 * - handling time (answer → leave notice): the profile's `targets.handlingMinutes`, else
 *   Kunming's pilot average of 5 minutes;
 * - evidence: gathered in the first part of the call (Yancheng: under a minute with automatic
 *   photos), the rest is guidance; determination: Yancheng's "under 5 minutes";
 * - arrivals: a weekday profile of urban traffic accidents (a morning and an evening peak,
 *   few at night), scaled so the busiest hour has `peakPerHour`; only within service hours.
 *   The default peak of 2 reports an hour gives Kunming ~27 a day, the order of its pilot
 *   (258 accidents from 16 to 31 May, ~16 a day) grown by the city-wide roll-out.
 * - districts: weighted by boundary area (the profile has no traffic weights).
 */
import type { CompiledCity } from '@kuaichu/core/policy';
import type { CollisionKind } from '@kuaichu/core/generated/types.ts';
import type { Distribution } from './random.ts';

/** Relative accident rate by local hour (the busiest = 1). */
export const URBAN_HOURLY_SHAPE: readonly number[] = [
  0.15, 0.1, 0.08, 0.07, 0.08, 0.15, 0.35, 0.75, 1.0, 0.8, 0.7, 0.72,
  0.65, 0.62, 0.68, 0.72, 0.85, 1.0, 0.9, 0.6, 0.45, 0.38, 0.3, 0.22,
];

export const DEFAULT_PEAK_PER_HOUR = 2;

export interface World {
  city: CompiledCity;
  /** Reports per hour at each local hour (24 values), before service hours are applied. */
  arrivalsPerHour: readonly number[];
  /** Covered districts and their weights. */
  districts: ReadonlyArray<readonly [string, number]>;
  kinds: ReadonlyArray<readonly [CollisionKind, number]>;
  channels: readonly string[];
  /** Answer → leave notice. */
  handling: Distribution;
  /** Share of the handling time spent before the evidence is complete. */
  evidenceShare: number;
  /** How long a party waits before giving up; null = for ever. */
  patience: Distribution | null;
  /** Ringing → the seat answers. */
  pickUp: Distribution;
  /** Leave notice → determination by an officer. */
  determination: Distribution;
  /** Served → the party pushes the claim. */
  claimDelay: Distribution;
  shares: {
    /** Reports from outside the covered area (refused, district_not_covered). */
    outsideArea: number;
    /** Reports with a serious injury (refused). */
    seriousInjury: number;
    /** Single-vehicle reports without the property's owner present (refused where required). */
    ownerAbsent: number;
    /** Answered calls the seat sends on-site police to instead. */
    escalated: number;
    /** Calls that drop and are resumed (继续处理). */
    dropped: number;
    /** Served cases whose party pushes the claim. */
    claims: number;
    /** Served cases a party asks to review. */
    reviews: number;
    /** Accidents whose checked party fails a registry check (then escalated). */
    invalidParty: number;
  };
  /** Whole flow, or the queue only (staffing: calls end at the leave notice, no documents). */
  flow: 'full' | 'queue';
}

export interface WorldOptions {
  peakPerHour?: number;
  /** 24 values, or one constant rate for every hour. */
  arrivalsPerHour?: readonly number[] | number;
  districts?: readonly string[];
  districtWeights?: Readonly<Record<string, number>>;
  handling?: Distribution;
  patience?: Distribution | null;
  determination?: Distribution;
  shares?: Partial<World['shares']>;
  flow?: World['flow'];
}

const KIND_MIX: Record<CollisionKind, number> = { motor_motor: 0.72, motor_non_motor: 0.2, single_vehicle: 0.08 };

export function worldOf(city: CompiledCity, opts: WorldOptions = {}): World {
  const p = city.profile;
  const rates = typeof opts.arrivalsPerHour === 'number'
    ? Array(24).fill(opts.arrivalsPerHour)
    : opts.arrivalsPerHour ?? URBAN_HOURLY_SHAPE.map((w) => w * (opts.peakPerHour ?? DEFAULT_PEAK_PER_HOUR));
  if (rates.length !== 24 || rates.some((r) => !(r >= 0))) throw new RangeError('arrivals per hour: give 24 rates ≥ 0 (one per local hour) or one rate');
  const names = opts.districts ?? p.area.include;
  for (const d of names) if (!city.included.has(d)) throw new RangeError(`${city.tenant} does not cover "${d}" (covered: ${p.area.include.join(', ')})`);
  const districts = names.map((d) => [d, opts.districtWeights?.[d] ?? city.districts.area(d)] as const);
  const kinds = p.eligibility.accidentTypes.map((t) => [t.kind, KIND_MIX[t.kind]] as const);
  const handlingMinutes = p.targets?.handlingMinutes ?? 5;
  const queueOnly = opts.flow === 'queue';
  return {
    city,
    arrivalsPerHour: rates,
    districts,
    kinds,
    channels: p.channels.map((c) => c.id),
    handling: opts.handling ?? { kind: 'lognormal', meanSeconds: handlingMinutes * 60, cv: 0.5 },
    evidenceShare: 0.8,
    patience: opts.patience === undefined ? { kind: 'exponential', meanSeconds: 240 } : opts.patience,
    pickUp: queueOnly ? { kind: 'fixed', meanSeconds: 0 } : { kind: 'lognormal', meanSeconds: 5, cv: 0.4 },
    determination: opts.determination ?? { kind: 'lognormal', meanSeconds: 4 * 60, cv: 0.6 },
    claimDelay: { kind: 'lognormal', meanSeconds: 30 * 60, cv: 1 },
    shares: queueOnly
      ? { outsideArea: 0, seriousInjury: 0, ownerAbsent: 0, escalated: 0, dropped: 0, claims: 0, reviews: 0, invalidParty: 0, ...opts.shares }
      : { outsideArea: 0.02, seriousInjury: 0.015, ownerAbsent: 0.05, escalated: 0.03, dropped: 0.02, claims: 0.65, reviews: 0.03, invalidParty: 0.03, ...opts.shares },
    flow: opts.flow ?? 'full',
  };
}

/** Reports a day the world expects within the city's service hours (for messages and rosters). */
export function expectedPerDay(world: World, openHours: readonly boolean[]): number {
  return world.arrivalsPerHour.reduce((s, r, h) => s + (openHours[h] ? r : 0), 0);
}
