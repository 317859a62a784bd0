/**
 * What drives a core from outside it — the test kit, the simulator, the benchmarks — beyond
 * the composition root (server.ts): the databases a core runs on, one city's queue timers,
 * demo seats and sessions, the delivery outbox. Exported as `@kuaichu/core/harness` so that no other package
 * reaches into core's persistence or case modules by path.
 */
export { openPglite } from './db/pglite.ts';
export { openPostgres } from './db/postgres.ts';
export { migrate } from './db/migrate.ts';
export type { Db } from './db/db.ts';
// Row-level security binds every statement to a tenant (or to a named cross-tenant job).
export { forTenant, acrossTenants, type TenantDb } from './db/tenantDb.ts';
export { LIVE_CHANNEL } from './context.ts';
export { tick } from './cases/queue.ts';
export { addDemoSeats } from './seed.ts';
export { createSession } from './auth/sessions.ts';
export type { AppPlugin } from './http/app.ts';
export type { CoreContext } from './context.ts';
// The delivery outbox, driven a round at a time by the adapters' contract tests.
export { deliverDue } from './deliveries/worker.ts';
export { deliveriesRepo } from './deliveries/store.ts';
export { enqueueDeterminationShares } from './deliveries/claims.ts';
export { progressSink } from './deliveries/progress.ts';
// The SMS outbox's round (core/src/sms/outbox.ts), driven by the SMS adapters' contract tests.
export { sendDueSms } from './sms/outbox.ts';
