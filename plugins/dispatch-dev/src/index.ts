/**
 * Development on-site dispatch driver (port `dispatch`): stands in for the command centre's
 * dispatch system (指挥调度 / 110 接处警) that sends on-duty officers to the scene when a case
 * is escalated. It records each request in memory per tenant and answers with a ticket
 * number — prefix, Beijing date, daily sequence, e.g. CJ-20260601-0007. A case has at most
 * one open dispatch: asking again for the same case returns the same ticket, as a dispatch
 * desk merges repeated calls about one incident. It refuses what the desk would refuse: no
 * case, no reason, a location outside China's coordinate range.
 */
import { definePlugin, type DispatchPort, type DispatchRequest, type DispatchTicket, type PluginContext } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import type { DispatchDevOptions } from '@kuaichu/core/generated/types.ts';

export const DEFAULT_TICKET_PREFIX = 'CJ';

export interface RecordedDispatch extends DispatchRequest, DispatchTicket {
  /** How many times this case asked for a dispatch (1 + repeats). */
  requests: number;
}

export type DispatchDevDriver = DispatchPort & {
  /** Every ticket of a tenant, oldest first (copies). */
  tickets(tenant: string): RecordedDispatch[];
};

/** YYYYMMDD of an instant in Beijing time. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export function createDispatchDev(options: DispatchDevOptions, ctx: PluginContext, deps: { clock?: Clock } = {}): DispatchDevDriver {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const prefix = options.ticketPrefix ?? DEFAULT_TICKET_PREFIX;
  if (!/^[A-Z]{1,6}$/.test(prefix)) throw new Error(`dispatch-dev: ticketPrefix "${prefix}" must be 1–6 capital letters`);
  const records = new Map<string, RecordedDispatch[]>();
  const byCase = new Map<string, RecordedDispatch>();
  const sequences = new Map<string, number>();

  function refuse(reason: string, r: Partial<DispatchRequest>): never {
    ctx.log.warn({ plugin: 'dispatch-dev', tenant: r.tenant, caseId: r.caseId }, `dispatch refused: ${reason}`);
    throw new Error(`dispatch-dev: ${reason}`);
  }
  const copy = (r: RecordedDispatch): RecordedDispatch => ({ ...r, location: { ...r.location }, acceptedAt: new Date(r.acceptedAt) });

  return {
    async dispatchOnsite(request: DispatchRequest): Promise<DispatchTicket> {
      if (request.tenant !== ctx.tenant) refuse(`request for tenant "${request.tenant}" sent to the dispatch desk of tenant "${ctx.tenant}"`, request);
      if (typeof request.caseId !== 'string' || !request.caseId.trim()) refuse('caseId is missing', request);
      if (typeof request.reason !== 'string' || !request.reason.trim()) refuse('a dispatch needs a reason', request);
      if (request.brigadeId !== null && (typeof request.brigadeId !== 'string' || !request.brigadeId.trim())) refuse('brigadeId must be a brigade id or null', request);
      const { lng, lat } = request.location ?? ({} as DispatchRequest['location']);
      if (!Number.isFinite(lng) || !Number.isFinite(lat) || lng < 73 || lng > 136 || lat < 3 || lat > 54) {
        refuse(`location ${String(lng)},${String(lat)} is outside China (lng 73–136, lat 3–54)`, request);
      }
      const key = `${request.tenant}|${request.caseId}`;
      const open = byCase.get(key);
      if (open) {
        open.requests++;
        ctx.log.info({ plugin: 'dispatch-dev', tenant: request.tenant, caseId: request.caseId, ticket: open.ticket, requests: open.requests }, 'dispatch already open for this case: same ticket');
        return { ticket: open.ticket, acceptedAt: new Date(open.acceptedAt) };
      }
      const now = clock.now();
      const day = beijingDate(now);
      const seqKey = `${request.tenant}|${day}`;
      const seq = (sequences.get(seqKey) ?? 0) + 1;
      sequences.set(seqKey, seq);
      const ticket = `${prefix}-${day}-${String(seq).padStart(4, '0')}`;
      const record: RecordedDispatch = { ...request, location: { lng, lat }, ticket, acceptedAt: now, requests: 1 };
      byCase.set(key, record);
      records.set(request.tenant, [...(records.get(request.tenant) ?? []), record]);
      ctx.log.info({ plugin: 'dispatch-dev', tenant: request.tenant, caseId: request.caseId, brigadeId: request.brigadeId, ticket }, 'on-site dispatch accepted (development desk)');
      return { ticket, acceptedAt: new Date(now) };
    },
    tickets(tenant) {
      return (records.get(tenant) ?? []).map(copy);
    },
  };
}

export const dispatchDev = definePlugin({
  name: 'dispatch-dev',
  port: 'dispatch',
  create: (options, ctx) => createDispatchDev(options as DispatchDevOptions, ctx),
});

export default dispatchDev;
