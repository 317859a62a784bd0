/**
 * The embedded default bus: no broker, no log of its own. The outbox is the log — `publish`
 * hands the batch to one subscriber of every group and resolves only when each has handled
 * it, so the relay marks events published only after every consumer committed them. A
 * handler that throws makes `publish` reject; the relay keeps the rows unpublished and tries
 * again later (every group then sees the batch again: consumers are idempotent).
 *
 * Groups subscribe before the relay starts (server start-up); events published while a group
 * has no subscriber are not kept for it.
 */
import type { CaseEvent } from './caseEvent.ts';
import type { BusHandler, BusPort, BusSubscription } from '../ports/bus.ts';

interface Group {
  subscribers: BusHandler[];
  next: number;
  /** Deliveries to a group run one at a time, in publish order. */
  tail: Promise<unknown>;
}

export function inProcessBus(): BusPort {
  const groups = new Map<string, Group>();
  let closed = false;

  const deliver = (group: Group, events: readonly CaseEvent[]): Promise<void> => {
    const run = group.tail.then(async () => {
      const handler = group.subscribers[group.next++ % group.subscribers.length];
      if (handler) await handler(events);
    });
    group.tail = run.catch(() => {});
    return run;
  };

  return {
    kind: 'in-process',
    async publish(events) {
      if (closed) throw new Error('the bus is closed');
      if (!events.length) return;
      const results = await Promise.allSettled([...groups.values()].map((g) => deliver(g, events)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    async subscribe(name, handler): Promise<BusSubscription> {
      if (closed) throw new Error('the bus is closed');
      let group = groups.get(name);
      if (!group) groups.set(name, (group = { subscribers: [], next: 0, tail: Promise.resolve() }));
      const g = group;
      g.subscribers.push(handler);
      return {
        async close() {
          await g.tail;
          g.subscribers = g.subscribers.filter((h) => h !== handler);
          if (!g.subscribers.length && groups.get(name) === g) groups.delete(name);
        },
      };
    },
    async close() {
      closed = true;
      await Promise.all([...groups.values()].map((g) => g.tail));
      groups.clear();
    },
  };
}
