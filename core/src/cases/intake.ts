/**
 * Report intake (报警): the policy decides, and the case is recorded either way — an
 * eligible report enters the seat queue, a refused one is kept with its reasons and fallback,
 * never silently dropped. A retry with the same client key returns the same case.
 */
import { randomUUID } from 'node:crypto';
import type { AccidentReport } from '../generated/schemas.ts';
import { evaluate } from '../policy/evaluate.ts';
import { toLocal } from '../policy/localTime.ts';
import { inTx, type CoreContext } from '../context.ts';
import { appendEvent, type CaseRow } from './repository.ts';
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
  const existing = await findByClientKey(ctx, tenant, input.phone, input.clientKey);
  if (existing) return { case: existing, created: false };

  const now = ctx.clock.now();
  const decision = evaluate(city, input.report, { now: () => now });
  const type = decision.eligible ? 'case.reported' : 'case.refused';
  const state = nextState(null, type)!;
  try {
    const row = await inTx(ctx, async (q, events) => {
      const [{ n }] = (await q.query<{ n: string | number }>("SELECT nextval('case_number_seq') AS n")) as [{ n: string | number }];
      const local = toLocal(now, city.profile.timezone);
      const prefix = city.profile.determination?.documentPrefix ?? city.tenant.slice(0, 3).toUpperCase();
      const number = `${prefix}-${String(local.year).slice(2)}${pad(local.month)}${pad(local.day)}-${String(n).padStart(6, '0')}`;
      const id = randomUUID();
      const [row] = await q.query<CaseRow>(
        `INSERT INTO cases (tenant, id, number, state, seq, client_key, party_phone, channel, district, brigade_id, report, decision, reported_at, queued_at, updated_at)
         VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12) RETURNING *`,
        [tenant, id, number, state, input.clientKey, input.phone, decision.channel, decision.district, decision.brigade?.id ?? null,
          JSON.stringify(input.report), JSON.stringify(decision), now, decision.eligible ? now : null],
      );
      const payload = decision.eligible
        ? { number, channel: decision.channel, district: decision.district!, brigadeId: decision.brigade!.id, kind: input.report.kind, injury: input.report.injury ?? 'none' }
        : { number, channel: decision.channel, district: decision.district, kind: input.report.kind, reasons: decision.reasons.map((r) => r.code) };
      events.push(await appendEvent(q, tenant, id, 1, type, payload as never, 'party', now));
      return row!;
    });
    return { case: row, created: true };
  } catch (err) {
    // Two identical retries raced: the loser returns the winner's case.
    if ((err as { code?: string }).code === '23505') {
      const winner = await findByClientKey(ctx, tenant, input.phone, input.clientKey);
      if (winner) return { case: winner, created: false };
    }
    throw err;
  }
}

async function findByClientKey(ctx: CoreContext, tenant: string, phone: string, clientKey: string): Promise<CaseRow | undefined> {
  const [row] = await ctx.db.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND party_phone = $2 AND client_key = $3', [tenant, phone, clientKey]);
  return row;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
