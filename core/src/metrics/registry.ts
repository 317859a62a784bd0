/**
 * The process's Prometheus metrics (prom-client), one registry per running core (tests start
 * several in one process). What is counted as it happens (HTTP latency, the analytics sink) is
 * observed in place; what is a state (queues, seats, calls, outboxes, media workers) is read
 * at each scrape (state.ts). Labels carry tenants, brigades, routes and statuses: never a
 * case id, a phone or a name.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function metricSet(registry: Registry) {
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers });
  return {
    http: new Histogram({
      name: 'kuaichu_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern (not the raw URL), method and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    queueDepth: gauge('kuaichu_queue_depth', 'Cases waiting for a seat (queued or ringing) per brigade', ['tenant', 'brigade'] as const),
    queueOldestWait: gauge('kuaichu_queue_oldest_wait_seconds', 'How long the longest-waiting case of a brigade has waited', ['tenant', 'brigade'] as const),
    calls: gauge('kuaichu_calls_in_progress', 'Calls under way (in call, or evidence complete before leaving the scene)', ['tenant', 'state'] as const),
    seats: gauge('kuaichu_seats', 'Seats by status', ['tenant', 'status'] as const),
    outboxUnpublished: gauge('kuaichu_outbox_unpublished_events', 'Committed case events the relay has not handed to the bus', ['tenant'] as const),
    outboxLag: gauge('kuaichu_outbox_lag_seconds', 'Age of the oldest unpublished case event (0 when none)', ['tenant'] as const),
    deliveryBacklog: gauge('kuaichu_delivery_backlog', 'Deliveries (insurer claims and determinations, 12123 progress, SMS) not delivered, by status', ['tenant', 'kind', 'status'] as const),
    deliveryOldest: gauge('kuaichu_delivery_oldest_seconds', 'Age of the oldest delivery waiting to be sent (queued or failed and retrying)', ['tenant', 'kind'] as const),
    sinkEvents: new Counter({ name: 'kuaichu_analytics_sink_events_total', help: 'Case events the analytics sink of this process took from the bus', registers }),
    sinkLag: gauge('kuaichu_analytics_sink_lag_seconds', 'Time from a case event to the analytics sink taking it, for the last batch', [] as const),
    mediaWorkers: gauge('kuaichu_media_workers', 'Live media workers (configured: how many the pool started with)', ['state'] as const),
    mediaCpu: gauge('kuaichu_media_worker_cpu_seconds', 'CPU time a media worker has used since it started', ['worker'] as const),
    mediaRooms: gauge('kuaichu_media_worker_rooms', 'Rooms (calls) on a media worker', ['worker'] as const),
    mediaConsumers: gauge('kuaichu_media_worker_consumers', 'Consumers (one participant receiving one track) on a media worker', ['worker'] as const),
    ready: gauge('kuaichu_ready', 'Whether a dependency answered at the last readiness check or scrape (1) or not (0)', ['component'] as const),
    scrapeErrors: new Counter({ name: 'kuaichu_metrics_scrape_errors_total', help: 'Scrapes where a source could not be read', labelNames: ['source'] as const, registers }),
  };
}

export type MetricSet = ReturnType<typeof metricSet>;

export function newRegistry(): { registry: Registry; metrics: MetricSet } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kuaichu_' });
  return { registry, metrics: metricSet(registry) };
}
