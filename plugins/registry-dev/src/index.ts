/**
 * Development driver for the national registries (port `registry`): the driving-licence and
 * vehicle-registration checks of the traffic management information system and the 交强险
 * (compulsory insurance) platform, answered from a fixture file in this package
 * (fixtures/registry.json, or the file the `fixtures` option names).
 *
 * It applies the rules the real services apply: an ID number is checked against GB 11643
 * (format, birth date, check digit) before it is looked up; the name must match the ID's
 * record; a licence past its validity date is expired whatever its recorded status; a policy
 * is in force from its first day 00:00 to its last day 24:00 (Beijing time) and is checked
 * at the time asked. Results carry one Chinese line for the seat; `data` carries only masked
 * personal values (ID 2301**********7810, name 张*).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { definePlugin, type CheckResult, type CheckStatus, type DriverResult, type HolderPhoto, type InsuranceResult, type PluginContext, type RegistryPort } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import type { RegistryDevOptions } from '@kuaichu/core/generated/types.ts';

// ---------------------------------------------------------------- GB 11643 and masking

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK = '10X98765432';

/** The GB 11643 check character of the first 17 digits of an ID number. */
export function idCheckDigit(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('idCheckDigit needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

export type IdProblem = 'format' | 'birth_date' | 'check_digit';

/** Why an ID number is not a well-formed 18-digit GB 11643 number, or null when it is. */
export function idNumberProblem(idNumber: string): IdProblem | null {
  if (!/^\d{17}[\dX]$/.test(idNumber)) return 'format';
  const y = Number(idNumber.slice(6, 10));
  const m = Number(idNumber.slice(10, 12));
  const d = Number(idNumber.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return 'birth_date';
  if (idCheckDigit(idNumber.slice(0, 17)) !== idNumber[17]) return 'check_digit';
  return null;
}

/** Trims and upper-cases the final x. */
export function normalizeIdNumber(idNumber: string): string {
  return idNumber.trim().toUpperCase();
}

/** 230102198503127810 → 2301**********7810; anything else is masked whole. */
export function maskIdNumber(idNumber: string): string {
  return idNumber.length === 18 ? `${idNumber.slice(0, 4)}${'*'.repeat(10)}${idNumber.slice(14)}` : '*'.repeat(Math.min(idNumber.length, 18));
}

/** 张伟 → 张*, 欧阳娜娜 → 欧***. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
}

const PLATE_RE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学]$|^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z](?:[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])$/;

/** 苏F·3M9K1, 苏f 3m9k1 → 苏F3M9K1. */
export function normalizePlate(plate: string): string {
  return plate.replace(/[\s·•.\-]/g, '').toUpperCase();
}

/** Ordinary plates (5 characters after the city letter) and new-energy plates (6). */
export function isPlate(plate: string): boolean {
  return PLATE_RE.test(plate);
}

// ---------------------------------------------------------------- fixtures

export type LicenceStatus = 'valid' | 'expired' | 'suspended';
export type Registration = 'normal' | 'inspection_overdue' | 'seized' | 'scrapped';

export interface DriverRecord {
  name: string;
  idNumber: string;
  licenceClass: string;
  firstIssued: string;
  validUntil: string;
  status: LicenceStatus;
  /** The licence photo on record: a JPEG or PNG file under fixtures/ (e.g. photos/holder-m1.jpg). */
  photo?: string;
}

export interface PolicyRecord {
  insurerId: string;
  policyNumber: string;
  validFrom: string;
  validTo: string;
}

export interface VehicleRecord {
  plate: string;
  plateType: string;
  vehicleClass: string;
  vehicleClassName: string;
  owner: string;
  registration: Registration;
  inspectionValidUntil: string;
  policies: PolicyRecord[];
}

export interface RegistryFixtures {
  drivers: DriverRecord[];
  vehicles: VehicleRecord[];
}

const LICENCE_STATUSES: readonly LicenceStatus[] = ['valid', 'expired', 'suspended'];
const REGISTRATIONS: readonly Registration[] = ['normal', 'inspection_overdue', 'seized', 'scrapped'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const PHOTO_PATH = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*\.(jpg|png)$/;

/** The fixture file this package ships. */
export const defaultFixturesPath = fileURLToPath(new URL('../fixtures/registry.json', import.meta.url));

/** Resolves the `fixtures` option (relative to the plugin's folder). */
export function fixturesPath(option: string | undefined): string {
  if (option === undefined) return defaultFixturesPath;
  if (!/^[a-z0-9/_-]+\.json$/.test(option) || option.startsWith('/')) throw new Error(`registry-dev: fixtures "${option}" must be a .json path inside the plugin's folder`);
  return fileURLToPath(new URL(`../${option}`, import.meta.url));
}

/** Reads and checks a fixture file; every problem is reported with the record it is in. */
export function loadFixtures(file: string): RegistryFixtures {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`registry-dev: cannot read fixtures ${file}: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  const obj = raw as Partial<RegistryFixtures>;
  if (!obj || !Array.isArray(obj.drivers) || !Array.isArray(obj.vehicles)) throw new Error(`registry-dev: fixtures ${file} must have arrays "drivers" and "vehicles"`);
  const ids = new Set<string>();
  obj.drivers.forEach((d, i) => {
    const at = `drivers[${i}]`;
    if (typeof d.name !== 'string' || !d.name.trim()) problems.push(`${at}.name is missing`);
    if (typeof d.idNumber !== 'string' || idNumberProblem(d.idNumber)) problems.push(`${at}.idNumber ${String(d.idNumber)} is not a valid GB 11643 number (${typeof d.idNumber === 'string' ? idNumberProblem(d.idNumber) : 'format'})`);
    else if (ids.has(d.idNumber)) problems.push(`${at}.idNumber is listed twice`);
    else ids.add(d.idNumber);
    if (!LICENCE_STATUSES.includes(d.status)) problems.push(`${at}.status must be one of ${LICENCE_STATUSES.join(', ')}`);
    for (const k of ['firstIssued', 'validUntil'] as const) if (!DATE_RE.test(String(d[k]))) problems.push(`${at}.${k} must be YYYY-MM-DD`);
    if (typeof d.licenceClass !== 'string' || !/^[ABCDEFMNP][1-9]?[E]?$/.test(d.licenceClass)) problems.push(`${at}.licenceClass ${String(d.licenceClass)} is not a licence class`);
    if (d.photo !== undefined && (typeof d.photo !== 'string' || !PHOTO_PATH.test(d.photo))) problems.push(`${at}.photo ${String(d.photo)} must be a .jpg or .png path under fixtures/`);
  });
  const plates = new Set<string>();
  obj.vehicles.forEach((v, i) => {
    const at = `vehicles[${i}]`;
    if (typeof v.plate !== 'string' || !isPlate(v.plate)) problems.push(`${at}.plate ${String(v.plate)} is not a plate number`);
    else if (plates.has(v.plate)) problems.push(`${at}.plate is listed twice`);
    else plates.add(v.plate);
    if (!REGISTRATIONS.includes(v.registration)) problems.push(`${at}.registration must be one of ${REGISTRATIONS.join(', ')}`);
    if (!DATE_RE.test(String(v.inspectionValidUntil))) problems.push(`${at}.inspectionValidUntil must be YYYY-MM-DD`);
    if (!Array.isArray(v.policies)) problems.push(`${at}.policies must be an array`);
    else
      v.policies.forEach((p, j) => {
        if (typeof p.insurerId !== 'string' || !p.insurerId) problems.push(`${at}.policies[${j}].insurerId is missing`);
        if (typeof p.policyNumber !== 'string' || !p.policyNumber) problems.push(`${at}.policies[${j}].policyNumber is missing`);
        if (!DATE_RE.test(String(p.validFrom)) || !DATE_RE.test(String(p.validTo)) || p.validFrom > p.validTo) problems.push(`${at}.policies[${j}] needs validFrom ≤ validTo, both YYYY-MM-DD`);
      });
  });
  if (problems.length) throw new Error(`registry-dev: fixtures ${file} are invalid:\n  ${problems.join('\n  ')}`);
  return obj as RegistryFixtures;
}

/** Reads the licence photos the fixtures name (relative to the fixture file), checking each is a JPEG or PNG. */
export function loadHolderPhotos(fx: RegistryFixtures, fixtureFile: string): Map<string, HolderPhoto> {
  const photos = new Map<string, HolderPhoto>();
  for (const d of fx.drivers) {
    if (!d.photo) continue;
    const file = path.join(path.dirname(fixtureFile), d.photo);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new Error(`registry-dev: the photo of driver ${maskIdNumber(d.idNumber)} cannot be read (${file}): ${(e as Error).message}`);
    }
    const contentType = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff ? 'image/jpeg' : bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 ? 'image/png' : null;
    if (!contentType) throw new Error(`registry-dev: the photo of driver ${maskIdNumber(d.idNumber)} (${file}) is not a JPEG or PNG`);
    photos.set(d.idNumber, { bytes, contentType });
  }
  return photos;
}

// ---------------------------------------------------------------- the driver

const DAY_MS = 86_400_000;
/** 00:00 Beijing time of a local date. */
function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`);
}
/** 24:00 Beijing time of a local date (exclusive end). */
function dayEnd(date: string): number {
  return dayStart(date) + DAY_MS;
}

const PLATE_COLOURS: Record<string, string> = { '01': '黄牌', '02': '蓝牌', '51': '黄绿牌', '52': '绿牌' };

export function createRegistryDev(options: RegistryDevOptions, ctx: PluginContext, deps: { clock?: Clock; fixtures?: RegistryFixtures } = {}): RegistryPort {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const file = fixturesPath(options.fixtures);
  const fx = deps.fixtures ?? loadFixtures(file);
  const photos = loadHolderPhotos(fx, file);
  const drivers = new Map(fx.drivers.map((d) => [d.idNumber, d]));
  const vehicles = new Map(fx.vehicles.map((v) => [v.plate, v]));
  ctx.log.info({ plugin: 'registry-dev', tenant: ctx.tenant, drivers: drivers.size, vehicles: vehicles.size }, 'registry fixtures loaded');

  const result = (status: CheckStatus, detail: string, data?: CheckResult['data']): CheckResult => ({
    ok: status === 'valid',
    status,
    detail,
    checkedAt: clock.now(),
    ...(data ? { data } : {}),
  });

  function vehicleLookup(plateIn: string): { vehicle: VehicleRecord } | { refusal: CheckResult } {
    const plate = normalizePlate(String(plateIn));
    if (!isPlate(plate)) return { refusal: result('invalid', `号牌号码格式错误：${plate || '（空）'}`, { plate }) };
    const vehicle = vehicles.get(plate);
    if (!vehicle) return { refusal: result('not_found', `未查询到号牌${plate}的机动车登记信息`, { plate }) };
    return { vehicle };
  }

  return {
    async verifyDriver({ name, idNumber }): Promise<DriverResult> {
      const id = normalizeIdNumber(String(idNumber));
      const masked = maskIdNumber(id);
      const problem = idNumberProblem(id);
      if (problem === 'format') return result('invalid', `身份证号码格式错误，应为18位（${masked}）`, { idNumber: masked });
      if (problem === 'birth_date') return result('invalid', `身份证号码中的出生日期无效（${masked}）`, { idNumber: masked });
      if (problem === 'check_digit') return result('invalid', `身份证号码校验位错误（${masked}）`, { idNumber: masked });
      const d = drivers.get(id);
      if (!d) return result('not_found', `未查询到该身份证号的驾驶证信息（${masked}）`, { idNumber: masked });
      if (String(name).trim() !== d.name) return result('invalid', `姓名与身份证号登记信息不符（${masked}）`, { idNumber: masked });
      const data = { name: maskName(d.name), idNumber: masked, licenceClass: d.licenceClass, validUntil: d.validUntil, licenceStatus: d.status };
      const who = `${maskName(d.name)}，准驾车型${d.licenceClass}`;
      // The photo on record goes back only once name and ID number match the licence.
      const photo = photos.get(id);
      const withPhoto = (r: CheckResult): DriverResult => (photo ? { ...r, photo } : r);
      if (d.status === 'suspended') return withPhoto(result('suspended', `驾驶证暂扣：${who}`, data));
      if (d.status === 'expired' || clock.now().getTime() >= dayEnd(d.validUntil)) return withPhoto(result('expired', `驾驶证已超过有效期：${who}，有效期至${d.validUntil}`, data));
      return withPhoto(result('valid', `驾驶证状态正常：${who}，有效期至${d.validUntil}`, data));
    },

    async verifyVehicle({ plate }) {
      const found = vehicleLookup(plate);
      if ('refusal' in found) return found.refusal;
      const v = found.vehicle;
      const data = {
        plate: v.plate,
        plateType: v.plateType,
        vehicleClass: v.vehicleClass,
        vehicleClassName: v.vehicleClassName,
        owner: maskName(v.owner),
        registration: v.registration,
        inspectionValidUntil: v.inspectionValidUntil,
      };
      const what = `${v.plate} ${v.vehicleClassName}（${PLATE_COLOURS[v.plateType] ?? `号牌种类${v.plateType}`}），所有人${maskName(v.owner)}`;
      switch (v.registration) {
        case 'scrapped':
          return result('invalid', `机动车已注销（报废）：${what}`, data);
        case 'seized':
          return result('suspended', `机动车被查封/扣押：${what}`, data);
        case 'inspection_overdue':
          return result('expired', `机动车逾期未检验：${what}，检验有效期至${v.inspectionValidUntil}`, data);
        case 'normal':
          return result('valid', `机动车登记状态正常：${what}，检验有效期至${v.inspectionValidUntil}`, data);
      }
    },

    async verifyInsurance({ plate, at }): Promise<InsuranceResult> {
      const t = at instanceof Date ? at.getTime() : NaN;
      if (Number.isNaN(t)) throw new RangeError('registry-dev: verifyInsurance needs a valid `at` date');
      const found = vehicleLookup(plate);
      if ('refusal' in found) return found.refusal;
      const v = found.vehicle;
      if (!v.policies.length) return result('not_found', `未查询到${v.plate}的交强险投保记录`, { plate: v.plate });
      // The insurer goes back as its id only: the city profile gives it its one name (and legal name).
      const describe = (p: PolicyRecord) => `保单号${p.policyNumber}，保险期间${p.validFrom}至${p.validTo}`;
      const withPolicy = (status: CheckStatus, detail: string, p: PolicyRecord): InsuranceResult => ({
        ...result(status, detail, { plate: v.plate, insurerId: p.insurerId, policyNumber: p.policyNumber, validFrom: p.validFrom, validTo: p.validTo }),
        insurerId: p.insurerId,
        policyNumber: p.policyNumber,
      });
      const inForce = v.policies.find((p) => t >= dayStart(p.validFrom) && t < dayEnd(p.validTo));
      if (inForce) return withPolicy('valid', `交强险在保：${describe(inForce)}`, inForce);
      const before = v.policies.filter((p) => t >= dayEnd(p.validTo)).sort((a, b) => b.validTo.localeCompare(a.validTo))[0];
      if (before) return withPolicy('expired', `交强险已脱保：${describe(before)}`, before);
      const next = [...v.policies].sort((a, b) => a.validFrom.localeCompare(b.validFrom))[0]!;
      return withPolicy('invalid', `交强险尚未生效：${describe(next)}`, next);
    },
  };
}

export const registryDev = definePlugin({
  name: 'registry-dev',
  port: 'registry',
  create: (options, ctx) => createRegistryDev(options as RegistryDevOptions, ctx),
});

export default registryDev;
