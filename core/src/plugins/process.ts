/**
 * Process-wide plugins, chosen by the environment rather than by a city profile: the event bus,
 * the analytics store and the media layer (live video). Found like the per-tenant plugins (a package under plugins/ declares
 * the name in its package.json `kuaichu.plugins`) and imported by name, so the core has no
 * compile-time dependency on them.
 */
import path from 'node:path';
import type { CityDirectory } from '../context.ts';
import type { AnalyticsPlugin, AnalyticsPort } from '../ports/analytics.ts';
import type { BusLog, BusPlugin, BusPort } from '../ports/bus.ts';
import type { MediaPlugin } from '../ports/media.ts';
import { inProcessBus } from '../events/inProcessBus.ts';
import { importPlugin } from './host.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Kafka (plugin "bus-kafka") when KAFKA_BROKERS is set; the in-process bus otherwise. */
export async function openBus(opts: { env: Env; log: BusLog }): Promise<BusPort> {
  if (!opts.env.KAFKA_BROKERS) return inProcessBus();
  const plugin = await importPlugin<BusPlugin>('bus-kafka');
  if (!plugin) throw new Error('KAFKA_BROKERS is set, but no package under plugins/ provides the plugin "bus-kafka"');
  return plugin.create({ env: opts.env, log: opts.log });
}

/**
 * The analytics store (plugin "analytics-clickhouse": chdb in <dataDir>/analytics, or the
 * server at CLICKHOUSE_URL); null when no package provides it or KUAICHU_ANALYTICS=off.
 */
export async function openAnalytics(opts: { env: Env; dataDir: string; cities: CityDirectory; log?: Pick<BusLog, 'info' | 'error'> }): Promise<AnalyticsPort | null> {
  if (opts.env.KUAICHU_ANALYTICS === 'off') return null;
  const plugin = await importPlugin<AnalyticsPlugin>('analytics-clickhouse');
  if (!plugin) return null;
  return plugin.create({
    env: opts.env,
    dataDir: path.resolve(opts.dataDir),
    ...(opts.log ? { log: opts.log } : {}),
    cities: (tenant) => {
      const { profile } = opts.cities.get(tenant);
      return { timezone: profile.timezone, answerWithinSeconds: profile.targets?.answerWithinSeconds ?? 30 };
    },
  });
}

/**
 * The media layer (plugin "media-mediasoup": live video on mediasoup); null when
 * KUAICHU_MEDIA=off. A server asks for it (npm start does; the HTTP tests and simulations run
 * without live video), and one that asks for a plugin no package provides fails to start.
 */
export async function findMedia(opts: { env: Env }): Promise<MediaPlugin | null> {
  if (opts.env.KUAICHU_MEDIA === 'off') return null;
  const plugin = await importPlugin<MediaPlugin>('media-mediasoup');
  if (!plugin) throw new Error('live video was asked for, but no package under plugins/ provides the plugin "media-mediasoup" (KUAICHU_MEDIA=off runs without it)');
  return plugin;
}
