/**
 * Automatic checks (系统自动核验): the driver's licence, the vehicle's registration and its
 * 交强险 through the registry port, plates by OCR, identity by face comparison. Each result is
 * an evidence item of the checklist line that asks for that check, so it is hash-chained too.
 * What the seat sees is masked; the full answer stays with the registry.
 */
import type { EvidenceItem } from '../generated/types.ts';
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import type { CheckResult } from '../ports/registry.ts';
import { maskIdNumber, maskName } from '../privacy/mask.ts';
import { addEvidence, type EvidenceRow } from './evidence.ts';

type CheckName = NonNullable<EvidenceItem['check']>;

export interface CheckRequest {
  driver?: { name: string; idNumber: string };
  plate?: string;
}

/** Runs the registry checks the request allows and records each one the checklist asks for. */
export async function runRegistryChecks(ctx: CoreContext, tenant: string, caseId: string, actor: string, req: CheckRequest): Promise<EvidenceRow[]> {
  const city = ctx.cities.get(tenant);
  const registry = ctx.ports.get(tenant, 'registry');
  const wanted = new Map<CheckName, string>();
  for (const item of city.profile.evidence.checklist) if (item.kind === 'check' && item.check) wanted.set(item.check, item.id);
  const results: Array<[CheckName, CheckResult, Record<string, unknown>]> = [];
  if (req.driver && wanted.has('driver_licence')) {
    const r = await registry.verifyDriver({ tenant, ...req.driver });
    results.push(['driver_licence', r, { name: maskName(req.driver.name), idNumber: maskIdNumber(req.driver.idNumber) }]);
  }
  if (req.plate && wanted.has('vehicle_registration')) results.push(['vehicle_registration', await registry.verifyVehicle({ tenant, plate: req.plate }), { plate: req.plate }]);
  if (req.plate && wanted.has('compulsory_insurance')) {
    const r = await registry.verifyInsurance({ tenant, plate: req.plate, at: ctx.clock.now() });
    results.push(['compulsory_insurance', r, { plate: req.plate, insurerId: r.insurerId ?? null, policyNumber: r.policyNumber ?? null }]);
  }
  if (!results.length) throw Errors.validation('nothing to check: give a driver (name, ID number) or a plate that the checklist asks about');
  const rows: EvidenceRow[] = [];
  for (const [check, r, subject] of results) {
    rows.push(await addEvidence(ctx, tenant, caseId, actor, {
      item: wanted.get(check)!,
      data: { check, ok: r.ok, status: r.status, detail: r.detail, checkedAt: r.checkedAt.toISOString(), subject, result: r.data ?? {} },
    }));
  }
  return rows;
}
