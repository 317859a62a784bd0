/** The event path out of the core: outbox relay → bus → consumers (analytics, later notifications). */
export { startRelay, relayBatch, type Relay, type RelayOptions } from './relay.ts';
export { inProcessBus } from './inProcessBus.ts';
export { openBus, openAnalytics } from '../plugins/process.ts';
export type { BusHandler, BusLog, BusPlugin, BusPort, BusSubscription } from '../ports/bus.ts';
export type { CaseEvent, EventPayloads } from './caseEvent.ts';
