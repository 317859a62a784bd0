import type { RegistryCheckStatus } from '../generated/types.ts';

/**
 * National registries (全国公安交通管理信息系统 / 交强险 platform): the automatic checks of the
 * driver's licence, the vehicle's registration and its compulsory insurance.
 */
export type CheckStatus = RegistryCheckStatus;

export interface CheckResult {
  /** true only for status 'valid'. */
  ok: boolean;
  status: CheckStatus;
  /** One line for the seat, in Chinese. */
  detail: string;
  checkedAt: Date;
  /** What the registry returned that the seat may see (masked where personal). */
  data?: Record<string, string | number | boolean | null>;
}

/** The licence holder's photo on record (证件照): what the face comparison holds the party's video frame against. */
export interface HolderPhoto {
  bytes: Uint8Array;
  contentType: 'image/jpeg' | 'image/png';
}

export interface DriverResult extends CheckResult {
  /** Only when the registry found the licence under that name and ID number; a registry may have none on record. */
  photo?: HolderPhoto;
}

export interface InsuranceResult extends CheckResult {
  /** Insurer id as the city profile names insurers (picc, pingan, cpic …). */
  insurerId?: string;
  policyNumber?: string;
}

export interface RegistryPort {
  verifyDriver(q: { tenant: string; name: string; idNumber: string }): Promise<DriverResult>;
  verifyVehicle(q: { tenant: string; plate: string }): Promise<CheckResult>;
  verifyInsurance(q: { tenant: string; plate: string; at: Date }): Promise<InsuranceResult>;
}
