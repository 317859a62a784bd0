/**
 * Insurer claim push as signed webhooks (port `insurer`). The core's deliveries outbox calls
 * pushClaim in the background and retries with backoff (core/src/deliveries/worker.ts); this
 * adapter makes one try per call: a POST of the claim (or, in claims.mode realtime, of the
 * determination as issued) to the insurer's endpoint, signed with HMAC-SHA256 over
 * `timestamp + "." + body` by every active key (Kuaichu-Signature: k2=…,k1=…, so a key
 * rotation needs no flag day), with the delivery's Idempotency-Key (the same on every try).
 *
 * Answers (docs/integrations.md#insurers): 200/201 {claimNo} taken; 409 {claimNo} a repeat of
 * a key already taken (its first answer); 400/404/410/422 {code} refused for good (expired or
 * unknown policy …: the delivery is dead-lettered at once); 401/403 (our signature or clock),
 * 408/429/5xx, timeouts and dropped connections fail the try, and the outbox tries again.
 */
import { definePlugin, type ClaimPush, type ClaimReceipt, type DeliveryPolicy, type InsurerPort, type PermanentRefusal, type PluginContext } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import type { InsurerWebhookOptions } from '@kuaichu/core/generated/types.ts';
import { createSignedClient, signWebhook, type SignedClient, type SigningKey } from '@kuaichu/core/deliveries';

/** The JSON body of a webhook: the push's facts under a type and the Idempotency-Key. */
export type ClaimWebhook = {
  /** claim.reported: the party asks for a claim; determination.issued: shared as issued (realtime). */
  type: 'claim.reported' | 'determination.issued';
  /** The Idempotency-Key: one per claim (or shared determination), the same on every try. */
  id: string;
} & Omit<ClaimPush, 'kind' | 'idempotencyKey'>;

const REFUSALS = new Set([400, 404, 410, 422]);

function refusal(message: string, code: string | undefined): PermanentRefusal {
  return Object.assign(new Error(message), { name: 'InsurerRefused', permanent: true as const, ...(code ? { code } : {}) });
}

export function createInsurerWebhook(options: InsurerWebhookOptions, ctx: PluginContext, deps: { clock?: Clock; now?: () => number } = {}): InsurerPort & { clients: ReadonlyMap<string, SignedClient> } {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const now = deps.now ?? Date.now;
  const keys: SigningKey[] = options.keys.map((k) => {
    const secret = ctx.env[k.secretEnv];
    if (!secret) throw new Error(`insurer-webhook: environment variable ${k.secretEnv} (key ${k.id}) is not set`);
    return { id: k.id, secret };
  });
  const clients = new Map<string, SignedClient>();
  for (const [insurerId, url] of Object.entries(options.endpoints)) {
    clients.set(insurerId, createSignedClient({
      counterpart: `insurer-webhook:${insurerId}`, baseUrl: url, now, log: ctx.log,
      // One try per call: the outbox spaces the retries (minutes, not milliseconds).
      attempts: 1, timeoutMs: options.timeoutMs ?? 10_000,
      sign: () => ({}),
    }));
  }
  const deliveryPolicy: DeliveryPolicy = { maxAttempts: options.maxAttempts ?? 8, backoffMs: options.backoffMs ?? 30_000, maxBackoffMs: options.maxBackoffMs ?? 3_600_000 };

  return {
    clients,
    deliveryPolicy,
    async pushClaim(claim: ClaimPush): Promise<ClaimReceipt> {
      const client = clients.get(claim.insurerId);
      if (!client) throw refusal(`insurer-webhook: no endpoint for insurer "${claim.insurerId}" (connected: ${[...clients.keys()].join(', ')})`, 'NO_ENDPOINT');
      if (claim.tenant !== ctx.tenant) throw refusal(`insurer-webhook: claim of tenant "${claim.tenant}" sent through the account of "${ctx.tenant}"`, 'WRONG_TENANT');
      const id = claim.idempotencyKey ?? `${claim.kind ?? 'claim'}:${claim.caseId}:${claim.insurerId}:${encodeURIComponent(claim.plate)}`;
      if (!/^[\x21-\x7e]{1,200}$/.test(id)) throw refusal(`insurer-webhook: idempotency key ${JSON.stringify(id)} is not printable ASCII`, 'BAD_KEY');
      const hook: ClaimWebhook = {
        type: claim.kind === 'determination' ? 'determination.issued' : 'claim.reported', id,
        tenant: claim.tenant, caseId: claim.caseId, insurerId: claim.insurerId, plate: claim.plate, determinationNo: claim.determinationNo,
        documentUrl: claim.documentUrl, phone: claim.phone, liability: claim.liability,
      };
      const body = JSON.stringify(hook);
      // Signed per try (a fresh timestamp); the client sends `hook` serialised exactly as `body`.
      const res = await client.send('POST', '', hook, signWebhook(keys, body, now(), id));
      const answer = (res.json && typeof res.json === 'object' ? res.json : {}) as { claimNo?: unknown; reference?: unknown; code?: unknown; message?: unknown };
      const number = typeof answer.claimNo === 'string' ? answer.claimNo : typeof answer.reference === 'string' ? answer.reference : null;
      if ((res.status === 200 || res.status === 201 || res.status === 409) && number) {
        ctx.log.info({ plugin: 'insurer-webhook', tenant: ctx.tenant, caseId: claim.caseId, insurerId: claim.insurerId, type: hook.type, claimNo: number, repeat: res.status === 409 }, 'insurer took the webhook');
        return { claimNo: number, acceptedAt: clock.now() };
      }
      const code = typeof answer.code === 'string' ? answer.code : undefined;
      if (REFUSALS.has(res.status)) throw refusal(`insurer ${claim.insurerId} refused the ${hook.type} (HTTP ${res.status}${code ? ` ${code}` : ''})`, code);
      throw new Error(`insurer ${claim.insurerId} answered HTTP ${res.status}${code ? ` ${code}` : ''}${number ? '' : ' without a claim number'}`);
    },
  };
}

export const insurerWebhook = definePlugin({
  name: 'insurer-webhook',
  port: 'insurer',
  create: (options, ctx) => createInsurerWebhook(options as unknown as InsurerWebhookOptions, ctx),
});

export default insurerWebhook;
