/**
 * What the core's operations need, handed in rather than reached for: the database, the
 * clock, the cities, the ports of each tenant, the file store and the after-commit notifier.
 * Tests build one with a manual clock and in-memory parts; the server builds the real one.
 */
import type { Clock } from './clock.ts';
import type { Db } from './db/db.ts';
import { forTenant, type TenantDb, type TenantQueryable } from './db/tenantDb.ts';
import type { CompiledCity } from './policy/city.ts';
import type { FileStore, PortMap, PortName } from './ports/index.ts';
import type { AnalyticsPort } from './ports/analytics.ts';
import type { CaseEvent } from './events/caseEvent.ts';
import type { CaseEventType } from './cases/transitions.ts';
import { Errors } from './errors.ts';

export interface CityDirectory {
  get(tenant: string): CompiledCity;
  has(tenant: string): boolean;
  all(): CompiledCity[];
}

/** The server's directory: a published profile replaces a city's, or adds a city, while it runs. */
export interface LiveCityDirectory extends CityDirectory {
  put(city: CompiledCity): void;
}

export function cityDirectory(cities: readonly CompiledCity[]): LiveCityDirectory {
  const byTenant = new Map(cities.map((c) => [c.tenant, c]));
  return {
    put: (city) => void byTenant.set(city.tenant, city),
    get(tenant) {
      const c = byTenant.get(tenant);
      if (!c) throw Errors.tenantNotFound(`no city "${tenant}"`);
      return c;
    },
    has: (tenant) => byTenant.has(tenant),
    all: () => [...byTenant.values()],
  };
}

/** The port implementations of each tenant, from its profile's integrations. */
export interface PortDirectory {
  get<P extends PortName>(tenant: string, port: P): PortMap[P];
  find<P extends PortName>(tenant: string, port: P): PortMap[P] | undefined;
}

/** Told about events once their transaction committed (WebSocket pushes, the outbox relay). */
export type Notifier = (events: readonly CaseEvent[]) => void;

export interface CoreContext {
  db: Db;
  clock: Clock;
  cities: CityDirectory;
  ports: PortDirectory;
  files: FileStore;
  notify: Notifier;
  /** Secret for document verification codes (from the environment). */
  documentSecret: string;
  /** Base of public URLs printed on documents (verification QR). */
  publicUrl: string;
  /**
   * The analytics store, bound late: startCore opens it after the app is built (the sink
   * subscribes to the bus then), so routes read it per request. null or absent = switched off.
   */
  analytics?: AnalyticsPort | null;
}

/** The NOTIFY channel that carries committed case events to every server process (live pushes). */
export const LIVE_CHANNEL = 'kuaichu_live';

/** What a live notification carries: enough to find the case, never personal data. */
export interface LiveNote {
  tenant: string;
  caseId: string;
  type: CaseEventType;
  seq: number;
}

/**
 * Runs `fn` in one transaction scoped to `tenant` (row-level security: db/tenantDb.ts). The
 * events it collects are announced with NOTIFY inside the same transaction, so every process
 * hears of them exactly when (and only if) they commit, and to in-process listeners after commit.
 */
export async function inTx<T>(ctx: CoreContext, tenant: string, fn: (q: TenantQueryable, events: CaseEvent[]) => Promise<T>): Promise<T> {
  const events: CaseEvent[] = [];
  const result = await forTenant(ctx.db, tenant).tx(async (q) => {
    const r = await fn(q, events);
    for (const e of events) {
      const note: LiveNote = { tenant: e.tenant, caseId: e.caseId, type: e.type, seq: e.seq };
      await q.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, JSON.stringify(note)]);
    }
    return r;
  });
  if (events.length) ctx.notify(events);
  return result;
}

/** The tenant-bound database access of one request or job (every statement sees only `tenant`'s rows). */
export function tenantDb(ctx: Pick<CoreContext, 'db'>, tenant: string): TenantDb {
  return forTenant(ctx.db, tenant);
}
