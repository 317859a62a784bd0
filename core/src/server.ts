/**
 * The composition root: reads the cities, opens the database, loads each tenant's plugins,
 * builds the HTTP app and starts the queue timers. Used by `npm start` (main.ts) and by the
 * integration tests, which pass their own clock and database.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './clock.ts';
import type { Db } from './db/db.ts';
import { openPglite } from './db/pglite.ts';
import { openPostgres } from './db/postgres.ts';
import { migrate } from './db/migrate.ts';
import { cityDirectory, type CoreContext, type Notifier } from './context.ts';
import { loadCities, formatProblem } from './profile/index.ts';
import { loadPorts, type Log } from './plugins/host.ts';
import { diskFileStore } from './files/diskStore.ts';
import { buildApp, type AppPlugin } from './http/app.ts';
import { parseTrustedProxies } from './http/clientAddress.ts';
import { seedDemoStaff, type DemoLogin } from './seed.ts';
import { DataDirLockedError } from './db/pglite.ts';
import { pluginCatalogue } from './plugins/catalogue.ts';
import { ConfigurationError, cityProblems, environmentProblems, type ConfigProblem } from './startup/configProblems.ts';
import { startProfileLive, withPublished } from './publishing/live.ts';
import { profileVersionRoutes } from './http/routes/profileVersions.ts';
import { platformRoutes } from './http/routes/platform.ts';
import { tick } from './cases/queue.ts';
import { closeFinalCases } from './cases/aftercare.ts';
import { finishUnfinishedDeterminations } from './cases/determination.ts';
import { mediationTick } from './mediation/schedule.ts';
import { repoRoot } from './paths.ts';
import { startRelay } from './events/relay.ts';
import { startDeliveries } from './deliveries/worker.ts';
import { PROGRESS_GROUP, progressSink } from './deliveries/progress.ts';
import { findMedia, openAnalytics, openBus } from './plugins/process.ts';
import { mediaRoutes } from './media/index.ts';
import { observabilityOf } from './metrics/index.ts';
import type { MediaPlugin, MediaPort } from './ports/media.ts';
import type { BusPort } from './ports/bus.ts';
import type { AnalyticsPort } from './ports/analytics.ts';
import { onOneProcess } from './jobs/onOneProcess.ts';
import type { CompiledCity } from './policy/city.ts';

export interface CoreOptions {
  /** PostgreSQL URL; PGlite in dataDir when absent. */
  databaseUrl?: string;
  /** Folder for PGlite, files and the local secret (default ./data). */
  dataDir?: string;
  /** An already open database (tests). */
  db?: Db;
  clock?: Clock;
  citiesDir?: string;
  publicUrl?: string;
  production?: boolean;
  /** Queue timer period; 0 = no timer (tests call tick themselves). */
  tickMs?: number;
  /** Outbox relay polling period (ms, default 1000; every live note also wakes it); 0 = no relay. */
  relayMs?: number;
  logger?: boolean | object;
  rateLimit?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Fastify plugins added to the app with the core context (test pages, the test clock). */
  plugins?: readonly AppPlugin[];
  /**
   * Live video: 'discover' finds the media plugin under plugins/ (npm start; KUAICHU_MEDIA=off
   * declines it), a MediaPlugin uses that one (tests, benchmarks); absent = no live video.
   */
  media?: 'discover' | MediaPlugin;
}

export interface Core {
  app: FastifyInstance;
  ctx: CoreContext;
  demoLogins: DemoLogin[];
  /** Runs the queue timers of every tenant once. */
  tick(): Promise<void>;
  bus: BusPort;
  /** null when KUAICHU_ANALYTICS=off or no analytics plugin is installed. */
  analytics: AnalyticsPort | null;
  /** The media layer's port (live video); null without one. */
  media: MediaPort | null;
  /** Relays every committed event to the bus now (and so into analytics); 0 without a relay (tests, simulations). */
  drain(): Promise<number>;
  /**
   * Graceful shutdown (SIGTERM): /readyz answers 503, the process stops accepting connections (the
   * balancer sends new ones elsewhere), opens no new media room, lets its calls end within
   * `graceMs` and closes the rest so their clients reconnect to another process (same case, same
   * seat), relays every committed event still in the outbox, then closes.
   */
  shutdown(opts?: { graceMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export async function startCore(opts: CoreOptions = {}): Promise<Core> {
  const dataDir = path.resolve(opts.dataDir ?? path.join(repoRoot, 'data'));
  const env0 = opts.env ?? process.env;
  const production = opts.production ?? env0.NODE_ENV === 'production';
  const loaded = loadCities(opts.citiesDir);
  const rejected = loaded.rejected;
  // KUAICHU_TENANTS: which of the profile files in cities/ this deployment serves (published cities are served all the same).
  const only = (env0.KUAICHU_TENANTS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const files = only.length ? loaded.cities.filter((c) => only.includes(c.tenant)) : loaded.cities;
  const catalogue = pluginCatalogue();
  // Every configuration problem is collected and reported at once (startup/configProblems.ts).
  const problems: ConfigProblem[] = environmentProblems(env0, production);
  let db: Db;
  try {
    db = opts.db ?? (opts.databaseUrl ? await openPostgres(opts.databaseUrl, { appUrl: env0.KUAICHU_APP_DATABASE_URL }) : await openPglite(dataDir));
  } catch (err) {
    if (err instanceof DataDirLockedError) throw err;
    problems.push({
      what: `cannot open the database: ${(err as Error).message}`,
      fix: opts.databaseUrl ? 'check DATABASE_URL (host, port, user, database name) and that PostgreSQL is running and reachable' : `check that the data folder ${dataDir} is writable`,
    });
    throw new ConfigurationError([...problems, ...cityProblems(files, catalogue, env0, production)]);
  }
  try {
    await migrate(db);
    await db.restrict(); // from here on as the app role, bound by row-level security (db/tenantDb.ts)
    // A city's active published version replaces its file; cities onboarded by publishing are added (publishing/live.ts).
    const published = await withPublished(db, files, opts.citiesDir);
    const cities = published.cities;
    for (const p of published.problems) problems.push({ what: `the live profile version of ${p} does not compile on this server`, fix: 'activate another version (kuaichu publish … --activate, or the admin screen) or restore what it names' });
    for (const t of only) if (!cities.some((c) => c.tenant === t)) problems.push({ what: `KUAICHU_TENANTS names "${t}", which has neither a valid profile in cities/ nor a published version`, fix: `add cities/${t}.yaml (kuaichu validate), publish it, or remove "${t}" from KUAICHU_TENANTS` });
    problems.push(...cityProblems(cities, catalogue, env0, production));
    if (problems.length) throw new ConfigurationError(problems);
    const env = production ? env0 : withDevSecrets(env0, cities, dataDir);
    const listeners: Notifier[] = [];
    // Plugins are built before the app and its logger; they log through the app once it exists
    // (a plugin's per-call lines — an OCR read, a refused delivery — reach the server log).
    let appRef: FastifyInstance | null = null;
    const app0Log: Log = { info: (obj, msg) => appRef?.log.info(obj, msg), warn: (obj, msg) => appRef?.log.warn(obj, msg) };
    const cityDir = cityDirectory(cities);
    const ports = await loadPorts(cities, { env, log: app0Log, clock: opts.clock ?? systemClock });
    const ctx: CoreContext = {
      db,
      clock: opts.clock ?? systemClock,
      cities: cityDir,
      ports,
      files: diskFileStore(path.join(dataDir, 'files')),
      notify: (events) => listeners.forEach((l) => l(events)),
      documentSecret: documentSecret(env, dataDir, production),
      publicUrl: (opts.publicUrl ?? env.KUAICHU_PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/$/, ''),
    };
    const mediaPlugin = opts.media === 'discover' ? await findMedia({ env }) : (opts.media ?? null);
    const media = mediaPlugin ? mediaRoutes(mediaPlugin, env) : null;
    // A published profile goes live in every process (LISTEN kuaichu_profiles) without a restart.
    const live = await startProfileLive(ctx, { cities: cityDir, ports, ...(opts.citiesDir ? { citiesDir: opts.citiesDir } : {}) }, { info: (obj, msg) => appRef?.log.info(obj, msg), error: (obj, msg) => appRef?.log.error(obj, msg) });
    const publishing = { live, catalogue, production, env, ...(opts.citiesDir ? { citiesDir: opts.citiesDir } : {}) };
    const plugins = [...(opts.plugins ?? []), profileVersionRoutes(publishing), platformRoutes, ...(media ? [media.plugin] : [])];
    const app: FastifyInstance = await buildApp({ ctx, logger: opts.logger ?? false, rejectedProfiles: rejected, rateLimit: opts.rateLimit ?? true, secureCookies: production, trustedProxies: parseTrustedProxies(env.KUAICHU_TRUSTED_PROXIES), production, plugins });
    for (const r of rejected) app.log.error({ file: r.file, problems: r.problems.map(formatProblem) }, 'city profile rejected; the other cities are served');
    appRef = app;
    // KUAICHU_DEMO_SEED=off: a development server that starts as empty as a production one (a bureau's first day).
    const demoLogins = production || env.KUAICHU_DEMO_SEED === 'off' ? [] : await seedDemoStaff(db, cities, env.KUAICHU_DEMO_PASSWORD);
    await app.ready();
    // Events leave through the outbox: relay → bus (in-process, or Kafka with KAFKA_BROKERS) → sinks.
    const bus = await openBus({ env, log: app.log });
    const analytics = await openAnalytics({ env, dataDir, cities: ctx.cities, log: app.log });
    // /metrics and /readyz see the bus and the media workers; the sink is metered (lag, events).
    const observability = observabilityOf(app);
    let draining = false;
    observability.bind({ bus, media: () => media?.port() ?? null, token: env.KUAICHU_METRICS_TOKEN, draining: () => draining });
    if (analytics) await bus.subscribe('analytics', observability.meterSink(analytics.sink));
    ctx.analytics = analytics; // the analytics routes read it per request (routes/analytics.ts)
    // The store's upkeep (the daily rollup) on one process of all behind the balancer; with the
    // queue timer off (tests that tick by hand) there is no background work at all.
    const upkeep = analytics?.maintain && (opts.tickMs ?? 1000) > 0
      ? onOneProcess(db, 'analytics upkeep', analytics.maintainEveryMs ?? 30_000, () => analytics.maintain!(), app.log)
      : null;
    const relayMs = opts.relayMs ?? 1000;
    // 网办进度: state changes go to 12123 for the tenants that connect it (core/src/deliveries/progress.ts).
    if (cities.some((c) => ctx.ports.find(c.tenant, 'progress'))) await bus.subscribe(PROGRESS_GROUP, progressSink(ctx));
    const relay = relayMs > 0 ? await startRelay(ctx, bus, { intervalMs: relayMs, log: app.log }) : null;
    const tickAll = async () => {
      for (const c of ctx.cities.all()) {
        if (c.profile.status === 'draft') continue; // a draft takes no reports: nothing to queue or close
        await tick(ctx, c.tenant);
        await closeFinalCases(ctx, c.tenant);
        await finishUnfinishedDeterminations(ctx, c.tenant);
        await mediationTick(ctx, c.tenant, app.log); // mediation reminders and no-shows (mediation_rooms only)
      }
    };
    const tickMs = opts.tickMs ?? 1000;
    let running = false;
    const timer = tickMs > 0 ? setInterval(() => {
      if (running) return;
      running = true;
      tickAll().catch((err) => app.log.error({ err }, 'queue tick failed')).finally(() => (running = false));
    }, tickMs) : null;
    timer?.unref();
    // The deliveries outbox (insurers, 12123) is worked on the queue's beat, in the background.
    const deliveries = tickMs > 0 ? startDeliveries(ctx, { intervalMs: tickMs, log: app.log }) : null;
    const core: Core = {
      app, ctx, demoLogins, bus, analytics, media: media?.port() ?? null, tick: tickAll,
      drain: async () => (relay ? relay.drain() : 0),
      async shutdown({ graceMs = 20_000 } = {}) {
        if (draining) return;
        draining = true;
        app.log.info({ graceMs }, 'draining: not ready, no new connections or rooms');
        // No new TCP connections (open sockets and calls go on); app.close() later tolerates this.
        if (app.server.listening) app.server.close();
        await media?.port()?.drain?.(graceMs);
        const relayed = relay ? await relay.drain() : 0;
        app.log.info({ relayed }, 'drained: outbox relayed, closing');
        await core.close();
      },
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
    let closing: Promise<void> | null = null;
    const closeAll = async () => {
      if (timer) clearInterval(timer);
      await upkeep?.close();
      await deliveries?.close();
      await relay?.close();
      await live.close();
      await app.close();
      await bus.close();
      await analytics?.close();
      if (!opts.db) await db.close();
    };
    return core;
  } catch (err) {
    if (!opts.db) await db.close();
    throw err;
  }
}

/**
 * Plugin options name the environment variables that hold their secrets (`tokenSecretEnv`).
 * Outside production, a variable left unset gets a development secret, made once per data
 * folder, so `npm start` runs with no setup; production must set every one.
 */
function withDevSecrets(env: NodeJS.ProcessEnv, cities: readonly CompiledCity[], dataDir: string): NodeJS.ProcessEnv {
  const names = cities.flatMap((c) => (c.profile.integrations ?? []).flatMap((i) => envOptionValues(i.options ?? {})));
  const missing = names.filter((n) => !env[n]);
  if (!missing.length) return env;
  const file = path.join(dataDir, 'dev-secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  for (const n of missing) stored[n] ??= randomBytes(32).toString('hex');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  return { ...env, ...Object.fromEntries(missing.map((n) => [n, stored[n]])) };
}

/** The values of `…Env` options, nested ones too (insurer-webhook's `keys: [{ id, secretEnv }]`). */
function envOptionValues(options: unknown): string[] {
  if (Array.isArray(options)) return options.flatMap(envOptionValues);
  if (!options || typeof options !== 'object') return [];
  return Object.entries(options).flatMap(([k, v]) => (k.endsWith('Env') && typeof v === 'string' ? [v] : envOptionValues(v)));
}

/** Secrets only from the environment in production; a development secret is made once per data folder. */
function documentSecret(env: NodeJS.ProcessEnv, dataDir: string, production: boolean): string {
  if (env.KUAICHU_DOCUMENT_SECRET) return env.KUAICHU_DOCUMENT_SECRET;
  if (production) throw new Error('KUAICHU_DOCUMENT_SECRET must be set in production');
  const file = path.join(dataDir, 'dev-document-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}
