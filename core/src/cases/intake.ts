/**
 * Report intake (报警): the policy decides, and the case is recorded either way — an
 * eligible report enters the seat queue, a refused one is kept with its reasons and fallback,
 * never silently dropped. A retry with the same client key returns the same case.
 */
import { randomUUID } from 'node:crypto';
import { uuidv7 } from '../ids.ts';
import type { AccidentReport } from '../generated/types.ts';
import { evaluate } from '../policy/evaluate.ts';
import { withCoveringCity } from '../policy/coveringCity.ts';
import { toLocal } from '../policy/localTime.ts';
import { LIVE_CHANNEL, tenantDb, type CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';
import type { CompiledCity } from '../policy/city.ts';
import { casesRepo } from '../persistence/cases.ts';
import { insertReportedCase } from '../persistence/reportedCase.ts';
import { assertEventPayload, type CaseRow } from './repository.ts';
import { nextState } from './transitions.ts';
import { brigadeOfDistrict } from '../admin/brigades.ts';

export interface ReportInput {
  /** The app's idempotency key for this report. */
  clientKey: string;
  /** The signed-in party's phone. */
  phone: string;
  report: AccidentReport;
}

/**
 * The city, when it takes reports. A draft (`status: draft`, as `kuaichu init-city` writes it)
 * is loaded and shown as "not yet live", but refuses every report and pre-check until the
 * bureau publishes it with `status: active`: its rules are the national template, unchecked.
 */
export function liveCity(ctx: CoreContext, tenant: string): CompiledCity {
  const city = ctx.cities.get(tenant);
  if (city.profile.status === 'draft') {
    throw Errors.cityNotLive(undefined, { tenant, status: 'draft', fallback: city.profile.fallback.phones.map((p) => p.number) });
  }
  return city;
}

export async function reportCase(ctx: CoreContext, tenant: string, input: ReportInput): Promise<{ case: CaseRow; created: boolean }> {
  const city = liveCity(ctx, tenant);
  const now = ctx.clock.now();
  const evaluated = withCoveringCity(evaluate(city, input.report, { now: () => now }), input.report, tenant, ctx.cities.all());
  // The brigade as the city's admin keeps it (admin/brigades.ts), once they edited the profile's.
  const kept = evaluated.eligible && evaluated.district ? await brigadeOfDistrict(ctx, tenant, evaluated.district) : undefined;
  const decision = kept ? { ...evaluated, brigade: kept } : evaluated;
  const type = decision.eligible ? 'case.reported' : 'case.refused';
  const state = nextState(null, type)!;
  const local = toLocal(now, city.profile.timezone);
  const prefix = `${city.profile.determination?.documentPrefix ?? city.tenant.slice(0, 3).toUpperCase()}-${String(local.year).slice(2)}${pad(local.month)}${pad(local.day)}-`;
  // The payload as it will be stored; the number is filled in by the database below.
  const payload = decision.eligible
    ? { number: prefix, channel: decision.channel, district: decision.district!, brigadeId: decision.brigade!.id, kind: input.report.kind, injury: input.report.injury ?? 'none' }
    : { number: prefix, channel: decision.channel, district: decision.district, kind: input.report.kind, reasons: decision.reasons.map((r) => r.code) };
  assertEventPayload(type, payload);
  const id = uuidv7(now); // time-ordered: see ids.ts
  const eventId = randomUUID();
  // One statement, so one round trip and atomic: see persistence/reportedCase.ts.
  const db = tenantDb(ctx, tenant);
  const row = await insertReportedCase(db, {
    id, prefix, year: local.year, state, clientKey: input.clientKey, phone: input.phone, channel: decision.channel, district: decision.district,
    brigadeId: decision.brigade?.id ?? null, report: input.report, decision, at: now, queuedAt: decision.eligible ? now : null,
    event: { id: eventId, type, payload }, liveChannel: LIVE_CHANNEL, profileVersion: city.version ?? null,
  });
  if (row) {
    ctx.notify([{ id: eventId, tenant, caseId: id, seq: 1, type, at: now.toISOString(), actor: 'party', payload: { ...payload, number: row.number } as never }]);
    return { case: row, created: true };
  }
  const existing = await casesRepo.byClientKey(db, input.phone, input.clientKey);
  if (!existing) throw new Error('report neither inserted nor found');
  return { case: existing, created: false };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
