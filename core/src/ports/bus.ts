/**
 * The event bus (事件总线): how committed domain events leave the core. The outbox relay
 * publishes every `case_events` row; consumers (the analytics sink, later notifications and
 * insurer pushes) subscribe in named groups. Embedded default: the in-process bus
 * (core/src/events/inProcessBus.ts); production: Kafka (plugins/bus-kafka, `KAFKA_BROKERS`),
 * chosen by openBus (core/src/plugins/process.ts).
 *
 * Delivery is at-least-once on every implementation: a batch may arrive again after a failure
 * or a restart, so handlers are idempotent by event id. Each group sees a case's events in
 * `seq` order from one relay; with several relays racing, a consumer must not rely on order
 * across batches (the analytics sink only aggregates, so it does not).
 */
import type { CaseEvent } from '../events/caseEvent.ts';

/**
 * Handles one batch for a group. Resolving commits the batch: the group moves past it.
 * Throwing leaves it uncommitted: the bus delivers it again (with backoff), never skips it.
 */
export type BusHandler = (events: readonly CaseEvent[]) => Promise<void>;

export interface BusSubscription {
  /** Stops delivering to this subscriber; a batch in its handler finishes (and commits) first. */
  close(): Promise<void>;
}

export interface BusPort {
  /** 'in-process' | 'kafka' … (for logs and /readyz). */
  readonly kind: string;
  /**
   * Resolves once the bus has accepted every event of the batch (Kafka: acknowledged by the
   * brokers; in-process: handled by every group). Rejects otherwise, and the caller retries.
   */
  publish(events: readonly CaseEvent[]): Promise<void>;
  /** Delivers batches to `handler` for `group`; one group's subscribers share its events. */
  subscribe(group: string, handler: BusHandler): Promise<BusSubscription>;
  /** Throws when the bus cannot take events now (readiness, /readyz); absent = always ready. */
  check?(): Promise<void>;
  /** Closes every subscription and the producer; idempotent. */
  close(): Promise<void>;
}

/**
 * A process-wide bus provided by a plugin package (declared in its package.json
 * `kuaichu.plugins`, like the per-tenant plugins, but chosen by the environment, not a profile).
 */
export interface BusPlugin {
  name: string;
  port: 'bus';
  create(ctx: { env: Readonly<Record<string, string | undefined>>; log: BusLog }): Promise<BusPort>;
}

export interface BusLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
