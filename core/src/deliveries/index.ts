/**
 * What an adapter that talks to a counterpart over HTTP uses (registry-http, insurer-webhook,
 * dispatch-http, progress-12123): KC1 request signing and its checking, webhook signatures, and
 * the signed client with timeouts, retries and a circuit breaker. Exported as
 * `@kuaichu/core/deliveries`; the outbox itself (store, worker) stays inside the core.
 */
export * from './signing.ts';
export * from './httpClient.ts';
