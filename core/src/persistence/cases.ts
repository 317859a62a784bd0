/**
 * The `cases` table: every read and write of a case row. Each function takes a tenant-bound
 * handle (db/tenantDb.ts), so row-level security scopes it; the explicit `tenant = $1` keeps
 * the primary key's index in use.
 */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { CasePatch, CaseRow } from '../cases/repository.ts';

export const casesRepo = {
  async get(q: Q, id: string, opts: { lock?: boolean } = {}): Promise<CaseRow | undefined> {
    const [row] = await q.query<CaseRow>(`SELECT * FROM cases WHERE tenant = $1 AND id = $2${opts.lock ? ' FOR UPDATE' : ''}`, [q.tenant, id]);
    return row;
  },

  /** The new state and sequence of a case, with the given columns. */
  async update(q: Q, id: string, state: string, seq: number, at: Date, patch: CasePatch): Promise<void> {
    const cols = Object.keys(patch) as (keyof CasePatch)[];
    const sets = cols.map((k, i) => `${k} = $${i + 5}`);
    await q.query(
      `UPDATE cases SET state = $3, seq = $4, updated_at = $${cols.length + 5}${sets.length ? ', ' + sets.join(', ') : ''} WHERE tenant = $1 AND id = $2`,
      [q.tenant, id, state, seq, ...cols.map((k) => patch[k]), at],
    );
  },

  async byClientKey(q: Q, phone: string, clientKey: string): Promise<CaseRow | undefined> {
    const [row] = await q.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND party_phone = $2 AND client_key = $3', [q.tenant, phone, clientKey]);
    return row;
  },

  /** A party's cases, newest first (网办进度). */
  ofParty: (q: Q, phone: string) => q.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 AND (party_phone = $2 OR party_b_phone = $2) ORDER BY reported_at DESC LIMIT 100', [q.tenant, phone]),

  /** The tenant's recent cases, for staff. */
  recent: (q: Q) => q.query<CaseRow>('SELECT * FROM cases WHERE tenant = $1 ORDER BY reported_at DESC LIMIT 200', [q.tenant]),

  /** Cases awaiting determination or a review decision, oldest first. */
  forOfficer: (q: Q) => q.query<CaseRow>("SELECT * FROM cases WHERE tenant = $1 AND state IN ('evacuated', 'review_requested') ORDER BY updated_at LIMIT 200", [q.tenant]),

  /** Waiting and ringing cases, the given brigade's first. */
  waiting: (q: Q, brigadeId: string | null) =>
    q.query<CaseRow>("SELECT * FROM cases WHERE tenant = $1 AND state IN ('queued', 'ringing') ORDER BY (brigade_id = $2) DESC, queue_priority DESC, queued_at LIMIT 100", [q.tenant, brigadeId]),

  /** A party's waiting cases and the one that changed (live pushes). */
  partyLive: (q: Q, phone: string, changedId: string) =>
    q.query<CaseRow>("SELECT * FROM cases WHERE tenant = $1 AND (party_phone = $2 OR party_b_phone = $2) AND (state = 'queued' OR id = $3)", [q.tenant, phone, changedId]),

  /** How many queued cases of its brigade are ahead of `c`. */
  async ahead(q: Q, c: CaseRow): Promise<number> {
    const [r] = await q.query<{ ahead: string }>(
      `SELECT count(*) AS ahead FROM cases WHERE tenant = $1 AND state = 'queued' AND brigade_id IS NOT DISTINCT FROM $2
       AND (queue_priority > $3 OR (queue_priority = $3 AND queued_at < $4))`,
      [q.tenant, c.brigade_id, c.queue_priority, c.queued_at],
    );
    return Number(r!.ahead);
  },

  /** Queued cases to ring, in queue order, locked (skipping those another process holds). */
  claimQueued: (q: Q) =>
    q.query<CaseRow>(`SELECT * FROM cases WHERE tenant = $1 AND state = 'queued'
       ORDER BY queue_priority DESC, queued_at LIMIT 50 FOR UPDATE SKIP LOCKED`, [q.tenant]),

  /** Ringing cases whose deadline passed, locked. */
  claimRingExpired: (q: Q, now: Date) =>
    q.query<CaseRow>("SELECT * FROM cases WHERE tenant = $1 AND state = 'ringing' AND ring_deadline <= $2 FOR UPDATE SKIP LOCKED", [q.tenant, now]),

  /** Interrupted cases not resumed since `before`, locked. */
  claimLapsed: (q: Q, before: Date) =>
    q.query<CaseRow>("SELECT * FROM cases WHERE tenant = $1 AND state = 'interrupted' AND interrupted_at <= $2 FOR UPDATE SKIP LOCKED", [q.tenant, before]),

  /** Served (or reviewed, claimed) cases whose determination was served before `servedBefore`, locked. */
  claimClosable: (q: Q, servedBefore: Date) =>
    q.query<CaseRow & { determination_served_at: Date }>(
      `SELECT c.*, d.served_at AS determination_served_at FROM cases c
       JOIN determinations d ON d.tenant = c.tenant AND d.case_id = c.id
       WHERE c.tenant = $1 AND c.state IN ('served', 'reviewed', 'claim_pushed') AND d.served_at <= $2
       ORDER BY d.served_at LIMIT 200 FOR UPDATE OF c SKIP LOCKED`,
      [q.tenant, servedBefore],
    ),
};
