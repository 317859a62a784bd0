/**
 * The state gauges, read at each scrape: one cross-tenant read of the system of record
 * (persistence/operations.ts) and the media port's stats. Ages are on the core's clock, as
 * the queue's own rules are (a test's manual clock, the wall clock in production).
 */
import { DELIVERY_KINDS } from '../deliveries/store.ts';
import type { CoreContext } from '../context.ts';
import { acrossTenants } from '../db/tenantDb.ts';
import { operationsRepo } from '../persistence/operations.ts';
import type { MediaPort } from '../ports/media.ts';
import type { MetricSet } from './registry.ts';

const SEAT_STATUSES = ['available', 'ringing', 'busy', 'away'] as const;

const ageSeconds = (now: Date, at: Date | string | null) => (at ? Math.max(0, (now.getTime() - new Date(at).getTime()) / 1000) : 0);

export async function readDatabaseState(ctx: Pick<CoreContext, 'db' | 'clock' | 'cities'>, m: MetricSet): Promise<void> {
  const { queues, calls, seats, outbox, deliveries } = await acrossTenants(ctx.db, 'metrics', async (q) => ({
    queues: await operationsRepo.queues(q),
    calls: await operationsRepo.calls(q),
    seats: await operationsRepo.seats(q),
    outbox: await operationsRepo.outbox(q),
    deliveries: await operationsRepo.deliveries(q),
  }));
  const now = ctx.clock.now();
  const tenants = ctx.cities.all();
  for (const g of [m.queueDepth, m.queueOldestWait, m.calls, m.seats, m.outboxUnpublished, m.outboxLag, m.deliveryBacklog, m.deliveryOldest]) g.reset();

  // Every brigade shows, waiting or not, so a dashboard sees 0 rather than no series.
  for (const c of tenants) {
    for (const b of c.profile.routing.brigades) {
      m.queueDepth.set({ tenant: c.tenant, brigade: b.id }, 0);
      m.queueOldestWait.set({ tenant: c.tenant, brigade: b.id }, 0);
    }
    for (const state of ['in_call', 'evidence_complete']) m.calls.set({ tenant: c.tenant, state }, 0);
    for (const status of SEAT_STATUSES) m.seats.set({ tenant: c.tenant, status }, 0);
    m.outboxUnpublished.set({ tenant: c.tenant }, 0);
    m.outboxLag.set({ tenant: c.tenant }, 0);
    // No backlog is 0, not an absent series (an alert on `dead > 0` must see the series exist).
    for (const kind of DELIVERY_KINDS) for (const status of ['queued', 'failed', 'dead']) m.deliveryBacklog.set({ tenant: c.tenant, kind, status }, 0);
  }
  for (const r of queues) {
    m.queueDepth.set({ tenant: r.tenant, brigade: r.brigade }, r.waiting);
    m.queueOldestWait.set({ tenant: r.tenant, brigade: r.brigade }, ageSeconds(now, r.oldest));
  }
  for (const r of calls) m.calls.set({ tenant: r.tenant, state: r.key }, r.n);
  for (const r of seats) m.seats.set({ tenant: r.tenant, status: r.key }, r.n);
  for (const r of outbox) {
    m.outboxUnpublished.set({ tenant: r.tenant }, r.unpublished);
    m.outboxLag.set({ tenant: r.tenant }, ageSeconds(now, r.oldest));
  }
  const oldest = new Map<string, Date>();
  for (const r of deliveries) {
    m.deliveryBacklog.set({ tenant: r.tenant, kind: r.kind, status: r.status }, r.n);
    if (r.status === 'dead' || !r.oldest) continue;
    const k = `${r.tenant}\n${r.kind}`;
    const at = new Date(r.oldest);
    if (!oldest.has(k) || at < oldest.get(k)!) oldest.set(k, at);
  }
  for (const [k, at] of oldest) {
    const [tenant, kind] = k.split('\n') as [string, string];
    m.deliveryOldest.set({ tenant, kind }, ageSeconds(now, at));
  }
}

/** The media workers' load; throws when the port cannot answer. Returns how many workers are live. */
export async function readMediaState(media: MediaPort, m: MetricSet): Promise<{ live: number; configured: number }> {
  const s = await media.stats();
  for (const g of [m.mediaCpu, m.mediaRooms, m.mediaConsumers, m.mediaWorkers]) g.reset();
  m.mediaWorkers.set({ state: 'live' }, s.workers.length);
  m.mediaWorkers.set({ state: 'configured' }, s.configuredWorkers);
  for (const w of s.workers) {
    m.mediaCpu.set({ worker: w.worker }, w.cpuSeconds);
    m.mediaRooms.set({ worker: w.worker }, w.rooms);
    m.mediaConsumers.set({ worker: w.worker }, w.consumers);
  }
  return { live: s.workers.length, configured: s.configuredWorkers };
}
