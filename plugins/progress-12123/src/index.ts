/**
 * 12123 progress push (网办进度, port `progress`): each state change of a case, with the
 * e-document's link once there is one, to the national 交管12123 app's side. The core queues an
 * update per state-changing event (core/src/deliveries/progress.ts) and its deliveries worker
 * calls `push`, retrying with backoff and dead-lettering after maxAttempts; each push here is a
 * KC1-signed POST /v1/progress with the update's Idempotency-Key (tenant:case:seq … as queued),
 * a timeout, quick retries with jitter and a circuit breaker (core/src/deliveries/httpClient.ts).
 *
 * Answers (docs/integrations.md#12123): 200/201/202 taken; 409 already taken (a repeat: fine);
 * 400/404/422 {code} refused for good (an unknown case number …: the update is dead-lettered);
 * 401/403 (our key or clock), 429, 5xx, timeouts and dropped connections fail the try.
 */
import { definePlugin, type PluginContext, type ProgressPort, type ProgressReceipt, type ProgressUpdate } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import type { Progress12123Options } from '@kuaichu/core/generated/types.ts';
import { createSignedClient, resilienceOf, type SignedClient } from '@kuaichu/core/deliveries';

const REFUSALS = new Set([400, 404, 410, 422]);
const MOBILE_RE = /^1[3-9]\d{9}$/;

export function createProgress12123(options: Progress12123Options, ctx: PluginContext, deps: { clock?: Clock; now?: () => number } = {}): ProgressPort & { client: SignedClient } {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const secret = ctx.env[options.secretEnv];
  if (!secret) throw new Error(`progress-12123: environment variable ${options.secretEnv} (options.secretEnv) is not set`);
  const client = createSignedClient({
    counterpart: 'progress-12123', baseUrl: options.baseUrl, key: { id: options.keyId, secret }, log: ctx.log,
    ...(deps.now ? { now: deps.now } : {}),
    ...resilienceOf(options),
  });
  const mask = (p: string) => (MOBILE_RE.test(p) ? `${p.slice(0, 3)}****${p.slice(7)}` : `<${p.length} chars>`);

  return {
    client,
    async push(u: ProgressUpdate): Promise<ProgressReceipt> {
      if (u.tenant !== ctx.tenant) throw Object.assign(new Error(`progress-12123: update of tenant "${u.tenant}" sent through the account of "${ctx.tenant}"`), { permanent: true });
      const res = await client.send('POST', '/v1/progress', {
        caseId: u.caseId, caseNumber: u.caseNumber, seq: u.seq, event: u.event, state: u.state, at: u.at, partyPhone: u.partyPhone, documentUrl: u.documentUrl,
      }, { 'idempotency-key': u.idempotencyKey });
      const code = (res.json as { code?: unknown } | null)?.code;
      if (res.status >= 200 && res.status < 300 || res.status === 409) {
        ctx.log.info({ plugin: 'progress-12123', tenant: ctx.tenant, caseId: u.caseId, seq: u.seq, state: u.state, phone: mask(u.partyPhone), repeat: res.status === 409 }, '12123 took the progress update');
        return { acceptedAt: clock.now() };
      }
      const what = `12123 answered HTTP ${res.status}${typeof code === 'string' ? ` ${code}` : ''} to update ${u.idempotencyKey}`;
      if (REFUSALS.has(res.status)) throw Object.assign(new Error(what), { permanent: true, ...(typeof code === 'string' ? { code } : {}) });
      throw new Error(what);
    },
  };
}

export const progress12123 = definePlugin({
  name: 'progress-12123',
  port: 'progress',
  create: (options, ctx) => createProgress12123(options as unknown as Progress12123Options, ctx),
});

export default progress12123;
