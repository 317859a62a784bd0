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

export interface InsuranceResult extends CheckResult {
  /** Insurer id as the city profile names insurers (picc, pingan, cpic …). */
  insurerId?: string;
  policyNumber?: string;
}

export interface RegistryPort {
  verifyDriver(q: { tenant: string; name: string; idNumber: string }): Promise<CheckResult>;
  verifyVehicle(q: { tenant: string; plate: string }): Promise<CheckResult>;
  verifyInsurance(q: { tenant: string; plate: string; at: Date }): Promise<InsuranceResult>;
}
