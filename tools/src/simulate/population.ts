/**
 * Who has the accidents. The seat's automatic checks ask the registry port, and on a
 * development server that is `registry-dev`, answered from its fixture file; so the first
 * party of each simulated accident is a driver and vehicle from that file (the city's plates),
 * valid on the day in most accidents and, now and then, one that is not (an expired policy, a
 * seized car): the checks then fail and the seat sends on-site police, as it would. The seat
 * checks every driver and motor vehicle (the checklist counts each), so the other motor party
 * is also one from the file, valid on the day (of this city when it has one, else of any); only
 * when the file has none is it made up, the registry knows nothing of it and the case goes to
 * on-site police. A non-motor party is made up (nobody checks a cyclist's licence).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@kuaichu/core/paths';
import type { Random } from './random.ts';

export interface Driver { name: string; idNumber: string; status: string; validUntil: string }
export interface Vehicle { plate: string; owner: string; registration: string; policies: Array<{ insurerId: string; validFrom: string; validTo: string }> }
export interface Party { name: string; idNumber: string | null; plate: string; insurerId: string | null }

/** The plate prefix (province + city letter) of each tenant's own vehicles. */
const PLATE_PREFIX: Record<string, string> = { harbin: '黑A', kunming: '云A', nantong: '苏F', yancheng: '苏J' };
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '华', '平'];
const PLATE_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

export const REGISTRY_FIXTURES = path.join(repoRoot, 'plugins/registry-dev/fixtures/registry.json');

export class Population {
  readonly prefix: string;
  readonly #drivers: Map<string, Driver>;
  readonly #vehicles: Vehicle[];
  readonly #all: Vehicle[];

  constructor(tenant: string, fixtures: { drivers: Driver[]; vehicles: Vehicle[] } = JSON.parse(readFileSync(REGISTRY_FIXTURES, 'utf8'))) {
    this.prefix = PLATE_PREFIX[tenant] ?? '京A';
    this.#drivers = new Map(fixtures.drivers.map((d) => [d.name, d]));
    const own = fixtures.vehicles.filter((v) => v.plate.startsWith(this.prefix) && this.#drivers.has(v.owner));
    this.#all = fixtures.vehicles.filter((v) => this.#drivers.has(v.owner));
    this.#vehicles = own.length ? own : this.#all;
  }

  /** Vehicles whose owner, registration and 交强险 all pass the checks on that day. */
  validOn(day: string, among: readonly Vehicle[] = this.#vehicles): Vehicle[] {
    return among.filter((v) => {
      const d = this.#drivers.get(v.owner)!;
      return d.status === 'valid' && d.validUntil >= day && v.registration === 'normal' && v.policies.some((p) => p.validFrom <= day && day <= p.validTo);
    });
  }

  /** The checked party: valid on `day` with probability `validShare` (when the registry has one). */
  checkedParty(rng: Random, day: string, validShare: number): Party {
    const valid = this.validOn(day);
    const v = valid.length && rng.chance(validShare) ? rng.pick(valid) : rng.pick(this.#vehicles);
    return this.#party(v, day);
  }

  /** The other motor party: another driver and vehicle of the file valid on `day`; made up when there is none. */
  otherMotorParty(rng: Random, day: string, first: Party, insurers: readonly string[]): Party {
    const other = (among: readonly Vehicle[]) => this.validOn(day, among).filter((v) => v.plate !== first.plate && v.owner !== first.name);
    const pool = other(this.#vehicles).length ? other(this.#vehicles) : other(this.#all);
    return pool.length ? this.#party(rng.pick(pool), day) : this.otherParty(rng, insurers);
  }

  #party(v: Vehicle, day: string): Party {
    const d = this.#drivers.get(v.owner)!;
    const policy = v.policies.find((p) => p.validFrom <= day && day <= p.validTo) ?? v.policies[v.policies.length - 1];
    return { name: d.name, idNumber: d.idNumber, plate: v.plate, insurerId: policy?.insurerId ?? null };
  }

  /** A made-up party of the city (the registry knows nothing of them), insured by one of its insurers. */
  otherParty(rng: Random, insurers: readonly string[]): Party {
    const plate = this.prefix + Array.from({ length: 5 }, () => rng.pick([...PLATE_CHARS])).join('');
    return { name: rng.pick(SURNAMES) + rng.pick(GIVEN), idNumber: null, plate, insurerId: insurers.length ? rng.pick(insurers) : null };
  }
}
