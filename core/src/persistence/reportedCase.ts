/**
 * Intake's one statement (cases/intake.ts): the city's next number of the year
 * (003_per_tenant_numbers.sql), the case, its first event (the outbox) and the live
 * notification, in one round trip. A retry with the same client key inserts nothing and takes
 * no number. The sequence has six digits, and more past 999999 rather than cut short.
 */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { CaseRow } from '../cases/repository.ts';

export interface NewReportedCase {
  id: string;
  /** The number's prefix (HRB-260601-); the database appends the sequence. */
  prefix: string;
  year: number;
  state: string;
  clientKey: string;
  phone: string;
  channel: string;
  district: string | null;
  brigadeId: string | null;
  report: unknown;
  decision: unknown;
  at: Date;
  queuedAt: Date | null;
  event: { id: string; type: string; payload: unknown };
  liveChannel: string;
  /** The city's published profile version (CompiledCity.version); null = its file in cities/. */
  profileVersion: number | null;
  /** How the case is handled (010_photo_path.sql); absent = video. */
  path?: 'video' | 'photo';
}

/** The inserted case, or undefined when the client key was used before. */
export async function insertReportedCase(q: Q, n: NewReportedCase): Promise<CaseRow | undefined> {
  const [row] = await q.query<CaseRow & { written?: unknown }>(
    `WITH k AS (
       INSERT INTO case_number_counters AS cn (tenant, year, last)
       SELECT $1::text, $18::int, 1 WHERE NOT EXISTS (SELECT 1 FROM cases WHERE tenant = $1 AND party_phone = $6 AND client_key = $5)
       ON CONFLICT (tenant, year) DO UPDATE SET last = cn.last + 1
       RETURNING last
     ), c AS (
       INSERT INTO cases (tenant, id, number, state, seq, client_key, party_phone, channel, district, brigade_id, report, decision, reported_at, queued_at, updated_at, profile_version, path)
       SELECT $1::text, $2::uuid, $3::text || lpad(k.last::text, greatest(6, length(k.last::text)), '0'), $4::text, 1, $5::text, $6::text, $7::text, $8::text, $9::text, $10::jsonb, $11::jsonb, $12::timestamptz, $13::timestamptz, $12::timestamptz, $19::int, $20::text
       FROM k
       ON CONFLICT (tenant, party_phone, client_key) DO NOTHING
       RETURNING *
     ), e AS (
       INSERT INTO case_events (tenant, case_id, seq, id, type, payload, actor, at)
       SELECT tenant, id, 1, $14, $15, jsonb_set($16::jsonb, '{number}', to_jsonb(number)), 'party', $12 FROM c
       RETURNING case_id
     ), n AS (
       SELECT pg_notify($17, json_build_object('tenant', tenant, 'caseId', id, 'type', $15::text, 'seq', 1)::text) FROM c
     )
     SELECT c.*, (SELECT count(*) FROM e) + (SELECT count(*) FROM n) AS written FROM c`,
    [q.tenant, n.id, n.prefix, n.state, n.clientKey, n.phone, n.channel, n.district, n.brigadeId,
      JSON.stringify(n.report), JSON.stringify(n.decision), n.at, n.queuedAt, n.event.id, n.event.type, JSON.stringify(n.event.payload), n.liveChannel, n.year, n.profileVersion, n.path ?? 'video'],
  );
  if (!row) return undefined;
  const { written: _w, ...c } = row;
  return c as CaseRow;
}
