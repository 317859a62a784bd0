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
import { LIVE_CHANNEL, type CoreContext } from '../context.ts';
import { assertEventPayload, type CaseRow } from './repository.ts';
import { nextState } from './transitions.ts';

export interface ReportInput {
  /** The app's idempotency key for this report. */
  clientKey: string;
  /** The signed-in party's phone. */
  phone: string;
  report: AccidentReport;
}

export async function reportCase(ctx: CoreContext, tenant: string, input: ReportInput): Promise<{ case: CaseRow; created: boolean }> {
  const city = ctx.cities.get(tenant);
  const now = ctx.clock.now();
  const decision = withCoveringCity(evaluate(city, input.report, { now: () => now }), input.report, tenant, ctx.cities.all());
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
  // One statement, so one round trip and atomic without BEGIN/COMMIT: the city's next number of
  // the year (003_per_tenant_numbers.sql), the case, its first event (the outbox) and the live
  // notification. A retry with the same client key inserts nothing and takes no number.
  // The sequence has six digits, and more past 999999 rather than cut short.
  const [row] = await ctx.db.query<CaseRow>(
    `WITH k AS (
       INSERT INTO case_number_counters AS cn (tenant, year, last)
       SELECT $1::text, $18::int, 1 WHERE NOT EXISTS (SELECT 1 FROM cases WHERE tenant = $1 AND party_phone = $6 AND client_key = $5)
       ON CONFLICT (tenant, year) DO UPDATE SET last = cn.last + 1
       RETURNING last
     ), c AS (
       INSERT INTO cases (tenant, id, number, state, seq, client_key, party_phone, channel, district, brigade_id, report, decision, reported_at, queued_at, updated_at)
       SELECT $1::text, $2::uuid, $3::text || lpad(k.last::text, greatest(6, length(k.last::text)), '0'), $4::text, 1, $5::text, $6::text, $7::text, $8::text, $9::text, $10::jsonb, $11::jsonb, $12::timestamptz, $13::timestamptz, $12::timestamptz
       FROM k
       ON CONFLICT (tenant, party_phone, client_key) DO NOTHING
       RETURNING *
     ), e AS (
       INSERT INTO case_events (tenant, case_id, seq, id, type, payload, actor, at)
       SELECT tenant, id, 1, $14, $15, jsonb_set($16::jsonb, '{number}', to_jsonb(number)), 'party', $12 FROM c
       RETURNING case_id
     ), n AS (
       SELECT pg_notify($17, json_build_object('tenant', tenant, 'caseId', id, 'type', $15::text, 'seq', 1)::text) FROM c
     )
     SELECT c.*, (SELECT count(*) FROM e) + (SELECT count(*) FROM n) AS written FROM c`,
    [tenant, id, prefix, state, input.clientKey, input.phone, decision.channel, decision.district, decision.brigade?.id ?? null,
      JSON.stringify(input.report), JSON.stringify(decision), now, decision.eligible ? now : null, eventId, type, JSON.stringify(payload), LIVE_CHANNEL, local.year],
  );
  if (row) {
    const { written: _w, ...c } = row as CaseRow & { written?: unknown };
    ctx.notify([{ id: eventId, tenant, caseId: id, seq: 1, type, at: now.toISOString(), actor: 'party', payload: { ...payload, number: c.number } as never }]);
    return { case: c as CaseRow, created: true };
  }
  const existing = await findByClientKey(ctx, tenant, input.phone, input.clientKey);
  if (!existing) throw new Error('report neither inserted nor found');
  return { case: existing, created: false };
}

async function findByClientKey(ctx: CoreContext, tenant: string, phone: string, clientKey: string): Promise<CaseRow | undefined> {
  const [row] = await ctx.db.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND party_phone = $2 AND client_key = $3', [tenant, phone, clientKey]);
  return row;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
