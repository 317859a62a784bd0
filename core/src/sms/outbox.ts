/**
 * The SMS outbox: every SMS core sends is first a row of the tenant's deliveries outbox (kind
 * 'sms', written in the transaction that decides it), then sent — at once after the commit
 * (`sendSmsNow`, so a party's code arrives without waiting for the worker) and, while the
 * gateway fails, by the deliveries worker (core/src/deliveries/worker.ts) with the same lease,
 * backoff and jitter as insurer webhooks. What a failure means comes from the adapter's
 * SmsSendError (ports/sms.ts: SmsFailureSignal):
 * - retryable (gateway down, 5xx, throttled): tried again after the backoff, or after the
 *   window the gateway names (retryAfterSeconds) when that is longer; dead after maxAttempts;
 * - permanent (invalid number, template refused, credentials): dead at once, with the reason;
 * - maybeSent (timeout, connection cut after the request went out): SendSms is not idempotent
 *   and neither gateway de-duplicates by out-id, so the row is NOT resent by itself: it waits
 *   as 'maybe_sent' for a receipt naming it (Aliyun echoes OutId = the row's id) or for an
 *   operator (requeue = send again, knowing it may be a duplicate);
 * - a row with expires_at (a sign-in code) that cannot go out before its code expires is
 *   dropped as 'expired', never sent late; a finished code row keeps no code (scrubbed).
 * A breaker (cockatiel) per round stops calling a gateway that failed 3 times in a row as
 * unavailable: the rest of the round's rows are given back untried, due after the backoff.
 */
import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import type { DeliveryPolicy } from '../ports/insurer.ts';
import type { SmsFailureSignal, SmsMessage } from '../ports/sms.ts';
import { maskPhone } from '../privacy/mask.ts';
import { deliveriesRepo, type DeliveryRow } from '../deliveries/store.ts';
import { LEASE_MS, retryDelayMs, type DeliveryLog } from '../deliveries/worker.ts';
import type { SmsContent } from './messages.ts';

/** 15 s, 30 s, 1 min … up to 30 min between tries; 12 tries span about 3½ hours. */
export const SMS_POLICY: DeliveryPolicy = { maxAttempts: 12, backoffMs: 15_000, maxBackoffMs: 1_800_000 };
/** Consecutive "unavailable" answers in one round that stop the round's sending. */
export const SMS_BREAKER_FAILURES = 3;

export interface SmsRound {
  sent: number;
  failed: number;
  dead: number;
  expired: number;
  maybeSent: number;
  /** Given back untried: the breaker was open. */
  held: number;
}

/**
 * Records one SMS in the outbox, in the caller's transaction. `key` names what it is (a repeat
 * queues nothing: sms:<kind>:<case>:<phone>, with the determination's number for a
 * determination); its row id, or null when that key was queued already.
 */
export function queueSms(q: TenantQueryable, m: SmsContent & { to: string; caseId?: string; key: string; at: Date; expiresAt?: Date }): Promise<string | null> {
  const payload: SmsMessage = { tenant: q.tenant, to: m.to, kind: m.kind, text: m.text, params: m.params, ...(m.caseId ? { caseId: m.caseId } : {}) };
  return deliveriesRepo.insert(q, { kind: 'sms', caseId: m.caseId ?? null, target: m.to, plate: '', key: m.key, payload, at: m.at, ...(m.expiresAt ? { expiresAt: m.expiresAt } : {}) });
}

const unavailable = (e: unknown) => {
  const f = (e as { failure?: unknown; retryable?: unknown }).failure;
  return f === 'unavailable' || (f === undefined && (e as SmsFailureSignal).retryable !== false);
};

/** One round for a tenant: tries every due SMS (only `ids` when given). */
export async function sendDueSms(ctx: CoreContext, tenant: string, opts: { ids?: readonly string[]; limit?: number; log?: DeliveryLog } = {}): Promise<SmsRound> {
  const round: SmsRound = { sent: 0, failed: 0, dead: 0, expired: 0, maybeSent: 0, held: 0 };
  const port = ctx.ports.find(tenant, 'sms');
  if (!port) return round;
  const db = tenantDb(ctx, tenant);
  const now = ctx.clock.now();
  const batch = await db.tx((q) => deliveriesRepo.lease(q, ['sms'], now, new Date(now.getTime() + LEASE_MS), opts.limit ?? 50, opts.ids ? { ids: opts.ids } : undefined));
  // A fresh breaker each round: it never half-opens within one, and the next round tries again.
  const breaker = circuitBreaker(handleWhen(unavailable), { halfOpenAfter: 86_400_000, breaker: new ConsecutiveBreaker(SMS_BREAKER_FAILURES) });
  for (const d of batch) {
    const message = d.payload as SmsMessage;
    const log = { tenant, delivery: d.id, kind: message.kind, caseId: d.case_id, to: maskPhone(d.target), attempts: d.attempts };
    if (d.expires_at && new Date(d.expires_at) <= ctx.clock.now()) {
      await db.tx((q) => finish(q, d, 'expired', 'the code expired before the gateway took it: not sent late', ctx.clock.now()));
      round.expired++;
      continue;
    }
    let receipt: { id: string; acceptedAt: Date };
    try {
      receipt = await breaker.execute(() => port.send({ ...message, ref: d.id }));
    } catch (err) {
      const at = ctx.clock.now();
      if (err instanceof BrokenCircuitError) {
        await db.tx((q) => deliveriesRepo.release(q, d.id, new Date(at.getTime() + retryDelayMs(SMS_POLICY, 1)), at));
        round.held++;
        continue;
      }
      const e = err as Error & SmsFailureSignal;
      const why = e.message ?? String(err);
      const next = new Date(at.getTime() + Math.max(retryDelayMs(SMS_POLICY, d.attempts), (e.retryAfterSeconds ?? 0) * 1000));
      const status = e.retryable === false ? 'dead'
        : e.maybeSent ? 'maybe_sent'
        : d.expires_at && next >= new Date(d.expires_at) ? 'expired'
        : d.attempts >= SMS_POLICY.maxAttempts ? 'dead' : 'failed';
      const reason = status === 'expired' ? `${why} — the code expires before the next try: dropped` : status === 'maybe_sent' ? `${why} — the gateway may have taken it: not resent; check the receipt, or send again` : why;
      await db.tx((q) => (status === 'failed' ? deliveriesRepo.settle(q, d.id, 'failed', reason, at, next) : finish(q, d, status, reason, at)));
      opts.log?.warn({ ...log, status, err: why }, status === 'failed' ? 'sms not sent; will retry' : `sms not sent: ${status}`);
      if (status === 'maybe_sent') round.maybeSent++;
      else round[status]++;
      continue;
    }
    await db.tx(async (q) => {
      await deliveriesRepo.delivered(q, d.id, { id: receipt.id, acceptedAt: new Date(receipt.acceptedAt).toISOString() }, ctx.clock.now(), receipt.id);
      if (message.kind === 'otp') await scrub(q, d);
    });
    round.sent++;
  }
  return round;
}

/** A final status; a sign-in code's row then keeps no code. */
async function finish(q: TenantQueryable, d: DeliveryRow, status: 'dead' | 'expired' | 'maybe_sent', reason: string, at: Date): Promise<void> {
  await deliveriesRepo.settle(q, d.id, status, reason, at);
  if ((d.payload as SmsMessage).kind === 'otp' && status !== 'maybe_sent') await scrub(q, d);
}

/** Drops the code from a sign-in SMS that will not be sent again (the database keeps codes only hashed). */
async function scrub(q: TenantQueryable, d: DeliveryRow): Promise<void> {
  const m = d.payload as SmsMessage;
  const code = m.params?.code;
  if (!code) return;
  const payload: SmsMessage = { ...m, text: m.text.split(code).join('******'), params: { ...m.params, code: '******' } };
  await q.query('UPDATE deliveries SET payload = $3 WHERE tenant = $1 AND id = $2', [q.tenant, d.id, JSON.stringify(payload)]);
}

/**
 * Sends freshly queued rows now, after their transaction committed. Never throws: what did
 * not go out stays in the outbox for the worker.
 */
export async function sendSmsNow(ctx: CoreContext, tenant: string, ids: ReadonlyArray<string | null>, log?: DeliveryLog): Promise<SmsRound | null> {
  const list = ids.filter((id): id is string => id !== null);
  if (!list.length) return null;
  try {
    return await sendDueSms(ctx, tenant, { ids: list, ...(log ? { log } : {}) });
  } catch (err) {
    log?.warn({ tenant, err: (err as Error).message }, 'sms send after commit failed; the worker retries');
    return null;
  }
}
