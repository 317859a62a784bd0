/**
 * Observability of one server process: Prometheus metrics (registry.ts, state.ts), the
 * readiness answer, and who may read them (routes.ts). The composition root creates it before
 * the app (its request hook must see every route), binds the bus and the media port once they
 * are open, and wraps the analytics sink to see its lag.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../context.ts';
import { ping } from '../persistence/health.ts';
import type { BusHandler, BusPort } from '../ports/bus.ts';
import type { MediaPort } from '../ports/media.ts';
import { newRegistry } from './registry.ts';
import { readDatabaseState, readMediaState } from './state.ts';
import { observabilityRoutes, type MetricsAccess } from './routes.ts';

export interface ReadinessCheck {
  ok: boolean;
  /** What failed, in a few words (no secrets, no personal data). */
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  db: ReadinessCheck;
  bus: ReadinessCheck;
  /** null: this process runs without live video. */
  media: ReadinessCheck | null;
  /** The process is shutting down (SIGTERM): not ready whatever the parts say. */
  draining: boolean;
}

export interface Observability {
  /** Registered by buildApp before any route: the request-latency hook, /metrics and /readyz. */
  plugin: (app: FastifyInstance) => Promise<void>;
  /** The process-wide parts once open (startCore opens them after the app), and the scrape token (KUAICHU_METRICS_TOKEN). */
  bind(sources: { bus?: BusPort; media?: () => MediaPort | null; token?: string | undefined; draining?: () => boolean }): void;
  /** The analytics sink, counted: events taken and how far behind the events it is. */
  meterSink(handler: BusHandler): BusHandler;
  readiness(): Promise<Readiness>;
  /** The exposition text (what a scrape gets). */
  scrape(): Promise<string>;
}

const CHECK_TIMEOUT_MS = 2_000;

/** Resolves to ok, or to what went wrong within the time a balancer's probe can wait. */
async function check(what: () => Promise<unknown>): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([what(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)))]);
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: (err as Error).message.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

const byApp = new WeakMap<FastifyInstance, Observability>();

/** The observability buildApp made for `app` (startCore binds the bus and the media port to it). */
export function observabilityOf(app: FastifyInstance): Observability {
  const o = byApp.get(app);
  if (!o) throw new Error('this app was not built by buildApp');
  return o;
}

export function createObservability(ctx: Pick<CoreContext, 'db' | 'clock' | 'cities'>, access: MetricsAccess): Observability {
  const { registry, metrics } = newRegistry();
  let bus: BusPort | undefined;
  let media: () => MediaPort | null = () => null;
  let draining: () => boolean = () => false;

  const readiness = async (): Promise<Readiness> => {
    const port = media();
    const [db, busCheck, mediaCheck] = await Promise.all([
      check(() => ping(ctx.db)),
      bus ? check(async () => bus!.check?.()) : Promise.resolve<ReadinessCheck>({ ok: false, detail: 'not open yet' }),
      port ? check(async () => {
        const s = await port.stats();
        if (!s.workers.length) throw new Error(`no live media worker of ${s.configuredWorkers}`);
      }) : Promise.resolve(null),
    ]);
    metrics.ready.set({ component: 'db' }, db.ok ? 1 : 0);
    metrics.ready.set({ component: 'bus' }, busCheck.ok ? 1 : 0);
    if (mediaCheck) metrics.ready.set({ component: 'media' }, mediaCheck.ok ? 1 : 0);
    const leaving = draining();
    metrics.ready.set({ component: 'serving' }, leaving ? 0 : 1);
    return { ready: !leaving && db.ok && busCheck.ok && (mediaCheck?.ok ?? true), db, bus: busCheck, media: mediaCheck, draining: leaving };
  };

  const scrape = async (): Promise<string> => {
    await readiness();
    try {
      await readDatabaseState(ctx, metrics);
    } catch {
      metrics.scrapeErrors.inc({ source: 'db' });
    }
    const port = media();
    if (port) await readMediaState(port, metrics).catch(() => metrics.scrapeErrors.inc({ source: 'media' }));
    return registry.metrics();
  };

  const self: Observability = {
    plugin: fp(async (app: FastifyInstance) => {
      byApp.set(app, self);
      // The route's pattern (/api/cases/:id), never the URL: no case id or phone becomes a label.
      app.addHook('onResponse', async (req, reply) => {
        const route = req.routeOptions.url ?? '(unmatched)';
        metrics.http.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      });
      await observabilityRoutes(app, { access, readiness, scrape, contentType: registry.contentType, cities: () => ctx.cities.all().map((c) => c.tenant), dbKind: ctx.db.kind });
    }),
    bind(sources) {
      bus = sources.bus ?? bus;
      media = sources.media ?? media;
      draining = sources.draining ?? draining;
      if (sources.token !== undefined) access.token = sources.token;
    },
    meterSink: (handler) => async (events) => {
      await handler(events);
      metrics.sinkEvents.inc(events.length);
      const newest = Math.max(...events.map((e) => Date.parse(e.at)));
      if (Number.isFinite(newest)) metrics.sinkLag.set(Math.max(0, (ctx.clock.now().getTime() - newest) / 1000));
    },
    readiness,
    scrape,
  };
  return self;
}
