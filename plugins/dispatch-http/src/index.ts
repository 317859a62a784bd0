/**
 * On-site dispatch (110/122 指挥调度) over HTTP (port `dispatch`). Escalating a case asks the
 * command centre's dispatch interface for officers: POST /v1/dispatches, KC1-signed, with a
 * timeout, retries with backoff and jitter and a circuit breaker (core/src/deliveries/
 * httpClient.ts), and an Idempotency-Key per case so a retried request never dispatches
 * twice. The desk answers 201 {ticket} (or 409 {ticket} for a case it already has); a desk that
 * cannot be reached makes the escalation fail with 503 and a Chinese line telling the seat to
 * phone the command centre — the case stays where it was, nothing is half done.
 *
 * The desk reports the officers' status back to the core's callback route, KC1-signed with the
 * callback key (callbackKeyId, callbackSecretEnv); `verifyCallback` checks that signature over
 * the exact bytes, its freshness (5 minutes) and that its nonce was not used before.
 */
import { definePlugin, type CallbackRequest, type DispatchPort, type DispatchRequest, type DispatchTicket, type PluginContext } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import { Errors } from '@kuaichu/core/errors';
import type { DispatchHttpOptions } from '@kuaichu/core/generated/types.ts';
import { CounterpartUnavailable, createSignedClient, resilienceOf, nonceMemory, verifyRequest, type SignedClient } from '@kuaichu/core/deliveries';

export function createDispatchHttp(options: DispatchHttpOptions, ctx: PluginContext, deps: { clock?: Clock; now?: () => number } = {}): DispatchPort & { client: SignedClient } {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const now = deps.now ?? Date.now;
  const secret = ctx.env[options.secretEnv];
  if (!secret) throw new Error(`dispatch-http: environment variable ${options.secretEnv} (options.secretEnv) is not set`);
  const callbackSecret = ctx.env[options.callbackSecretEnv];
  if (!callbackSecret) throw new Error(`dispatch-http: environment variable ${options.callbackSecretEnv} (options.callbackSecretEnv) is not set`);
  const client = createSignedClient({
    counterpart: 'dispatch-http', baseUrl: options.baseUrl, key: { id: options.keyId, secret }, now, log: ctx.log,
    ...resilienceOf(options),
  });
  const seenNonce = nonceMemory(300, now);
  const callbackKeys = [{ id: options.callbackKeyId, secret: callbackSecret }];

  return {
    client,
    async dispatchOnsite(request: DispatchRequest): Promise<DispatchTicket> {
      if (request.tenant !== ctx.tenant) throw new Error(`dispatch-http: request for tenant "${request.tenant}" sent to the desk of "${ctx.tenant}"`);
      let res;
      try {
        res = await client.send('POST', '/v1/dispatches', {
          caseId: request.caseId, brigadeId: request.brigadeId, location: request.location, reason: request.reason,
        }, { 'idempotency-key': `dispatch:${request.caseId}` });
      } catch (e) {
        if (!(e instanceof CounterpartUnavailable)) throw e;
        ctx.log.warn({ plugin: 'dispatch-http', tenant: ctx.tenant, caseId: request.caseId, reason: e.reason }, 'dispatch desk unavailable');
        throw Errors.unavailable('指挥调度系统暂不可用，案件未转出：请电话联系指挥中心（110/122）安排民警到场，再重试转现场处置', { counterpart: 'dispatch', reason: e.reason });
      }
      const answer = (res.json && typeof res.json === 'object' ? res.json : {}) as { ticket?: unknown; code?: unknown; message?: unknown };
      if ((res.status === 200 || res.status === 201 || res.status === 409) && typeof answer.ticket === 'string' && answer.ticket) {
        ctx.log.info({ plugin: 'dispatch-http', tenant: ctx.tenant, caseId: request.caseId, ticket: answer.ticket, repeat: res.status === 409 }, 'on-site dispatch accepted');
        return { ticket: answer.ticket, acceptedAt: clock.now() };
      }
      const code = typeof answer.code === 'string' ? answer.code : `HTTP ${res.status}`;
      ctx.log.warn({ plugin: 'dispatch-http', tenant: ctx.tenant, caseId: request.caseId, status: res.status, code }, 'dispatch desk refused the request');
      throw Errors.unavailable(`指挥调度系统拒绝了转现场请求（${code}）：请电话联系指挥中心（110/122）`, { counterpart: 'dispatch', status: res.status, code });
    },
    verifyCallback(req: CallbackRequest) {
      const r = verifyRequest(callbackKeys, { ...req, nowMs: now() }, { seenNonce });
      return r.ok ? { ok: true } : { ok: false, reason: r.reason };
    },
  };
}

export const dispatchHttp = definePlugin({
  name: 'dispatch-http',
  port: 'dispatch',
  create: (options, ctx) => createDispatchHttp(options as unknown as DispatchHttpOptions, ctx),
});

export default dispatchHttp;
