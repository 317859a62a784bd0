/**
 * The delivery worker: sends what the deliveries outbox holds to each tenant's insurer and
 * 12123 progress ports, in the background. A try leases the row (store.ts), so two workers never send one delivery
 * at once; success records the receipt (and, for a claim, the claim and its `claim.pushed`
 * event, in one transaction); a failure schedules the next try with exponential backoff and
 * jitter, or dead-letters the delivery after the port's maxAttempts, or at once when the
 * insurer refused it for good (`permanent`). Every try carries the same idempotency key, so an
 * insurer that got a try whose answer was lost answers the retry with its first answer:
 * nothing is lost while an insurer is down, and nothing is taken twice.
 */
import type { CoreContext } from '../context.ts';
import { inTx, tenantDb } from '../context.ts';
import type { ClaimPush, DeliveryPolicy } from '../ports/insurer.ts';
import type { ProgressUpdate } from '../ports/progress.ts';
import { lockCase, transition } from '../cases/repository.ts';
import { nextState } from '../cases/transitions.ts';
import { claimsRepo } from '../persistence/aftercare.ts';
import { sendDueSms } from '../sms/outbox.ts';
import { CHANNEL_KINDS, deliveriesRepo, type DeliveryChannel, type DeliveryRow } from './store.ts';

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 8, backoffMs: 30_000, maxBackoffMs: 3_600_000 };
/** A try not finished by then (the worker died) is tried again. */
export const LEASE_MS = 120_000;

export interface DeliveryLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Wait before try `attempt + 1`: half the doubled backoff, plus a random part up to the other half. */
export function retryDelayMs(policy: DeliveryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

export interface DeliveryRound {
  delivered: number;
  failed: number;
  dead: number;
}

/** One round for a tenant and channel: tries every due delivery (of one case when `caseId` is given). */
export async function deliverDue(
  ctx: CoreContext,
  tenant: string,
  opts: { channel?: DeliveryChannel; caseId?: string; limit?: number; log?: DeliveryLog } = {},
): Promise<DeliveryRound> {
  const round: DeliveryRound = { delivered: 0, failed: 0, dead: 0 };
  const channel = opts.channel ?? 'insurer';
  const send = sender(ctx, tenant, channel);
  if (!send) return round;
  const policy = { ...DEFAULT_DELIVERY_POLICY, ...send.policy };
  const db = tenantDb(ctx, tenant);
  const now = ctx.clock.now();
  const batch = await db.tx((q) => deliveriesRepo.lease(q, CHANNEL_KINDS[channel], now, new Date(now.getTime() + LEASE_MS), opts.limit ?? 50, opts.caseId ? { caseId: opts.caseId } : undefined));
  for (const d of batch) {
    let receipt: Record<string, unknown>;
    try {
      receipt = await send.send(d);
    } catch (err) {
      const e = err as Error & { permanent?: unknown };
      const dead = e.permanent === true || d.attempts >= policy.maxAttempts;
      const at = ctx.clock.now();
      await db.tx((q) => deliveriesRepo.failed(q, d.id, e.message ?? String(err), at, dead ? { dead: true } : { dead: false, nextAt: new Date(at.getTime() + retryDelayMs(policy, d.attempts)) }));
      opts.log?.warn({ tenant, caseId: d.case_id, delivery: d.id, kind: d.kind, target: d.target, attempts: d.attempts, dead, err: e.message }, dead ? 'delivery dead-lettered' : 'delivery failed; will retry');
      if (dead) round.dead++;
      else round.failed++;
      continue;
    }
    await recordDelivered(ctx, tenant, d, receipt);
    round.delivered++;
  }
  return round;
}

/** How a channel's port sends one delivery; null when the tenant has no such port. */
function sender(ctx: CoreContext, tenant: string, channel: DeliveryChannel): { policy?: DeliveryPolicy; send(d: DeliveryRow): Promise<Record<string, unknown>> } | null {
  if (channel === 'progress') {
    const port = ctx.ports.find(tenant, 'progress');
    return port ? {
      ...(port.deliveryPolicy ? { policy: port.deliveryPolicy } : {}),
      send: async (d) => ({ acceptedAt: (await port.push(d.payload as ProgressUpdate)).acceptedAt.toISOString() }),
    } : null;
  }
  const port = ctx.ports.find(tenant, 'insurer');
  return port ? {
    ...(port.deliveryPolicy ? { policy: port.deliveryPolicy } : {}),
    async send(d) {
      const { actor: _actor, ...push } = d.payload as ClaimPush & { actor?: string };
      const r = await port.pushClaim({ ...push, kind: d.kind as ClaimPush['kind'], idempotencyKey: d.idempotency_key });
      return { claimNo: r.claimNo, acceptedAt: r.acceptedAt.toISOString() };
    },
  } : null;
}

async function recordDelivered(ctx: CoreContext, tenant: string, d: DeliveryRow, receipt: Record<string, unknown>): Promise<void> {
  await inTx(ctx, tenant, async (q, events) => {
    const at = ctx.clock.now();
    await deliveriesRepo.delivered(q, d.id, receipt, at);
    if (d.kind !== 'claim') return;
    const claimNo = String(receipt.claimNo);
    const c = await lockCase(q, tenant, d.case_id!);
    const recorded = await claimsRepo.insert(q, { caseId: d.case_id!, insurerId: d.target, plate: d.plate, claimNo, at });
    // A review asked for after the tap holds the state; the claim is recorded, the state stays.
    if (recorded && nextState(c.state, 'claim.pushed')) {
      events.push(await transition(q, c, 'claim.pushed', { insurerId: d.target, plate: d.plate, claimNo }, (d.payload as { actor?: string }).actor ?? 'party', at));
    }
  });
}

export interface DeliveryWorker {
  /** Runs a round for every tenant now (tests, shutdown). */
  drain(): Promise<DeliveryRound>;
  close(): Promise<void>;
}

/** Rounds every `intervalMs` for every tenant and channel (insurers, 12123, SMS); rounds never overlap. */
export function startDeliveries(ctx: CoreContext, opts: { intervalMs: number; log?: DeliveryLog }): DeliveryWorker {
  let closed = false;
  let busy: Promise<unknown> = Promise.resolve();
  const all = async (): Promise<DeliveryRound> => {
    const total: DeliveryRound = { delivered: 0, failed: 0, dead: 0 };
    for (const city of ctx.cities.all()) {
      if (closed) break;
      if (city.profile.status === 'draft') continue; // no reports, no integrations: nothing to deliver
      for (const channel of Object.keys(CHANNEL_KINDS) as DeliveryChannel[]) {
        const r = await deliverDue(ctx, city.tenant, { channel, ...(opts.log ? { log: opts.log } : {}) });
        total.delivered += r.delivered;
        total.failed += r.failed;
        total.dead += r.dead;
      }
      const sms = await sendDueSms(ctx, city.tenant, opts.log ? { log: opts.log } : {});
      total.delivered += sms.sent;
      total.failed += sms.failed;
      total.dead += sms.dead;
    }
    return total;
  };
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = busy.then(fn);
    busy = run.catch(() => {});
    return run;
  };
  const timer = setInterval(() => {
    void exclusive(all).catch((err) => opts.log?.warn({ err }, 'delivery round failed'));
  }, opts.intervalMs);
  timer.unref();
  return {
    drain: () => exclusive(all),
    async close() {
      closed = true;
      clearInterval(timer);
      await busy;
    },
  };
}
