/** The `mediations` table (线上调解室, 015_mediations.sql, 016_mediation_reminders.sql): bookings, reminders, no-shows, outcomes, signatures and the 调解协议书. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { LiabilityGrade } from '../generated/types.ts';

export type MediationStatus = 'scheduled' | 'open' | 'agreed' | 'signed' | 'not_agreed' | 'cancelled' | 'no_show';
/** Who did not come to a no-show: the mediator never opened the room, or a party never joined it. */
export type MediationAbsent = 'mediator' | MediationRole;
export type MediationRole = 'A' | 'B';

/** A party as the agreement names them (the mediator records them; the determination's when there is one). */
export interface MediationParty { role: MediationRole; name: string; plate: string; liability: LiabilityGrade }

/** What the mediator recorded. Amounts in fen (分). */
export type MediationOutcome =
  | { agreed: true; parties: MediationParty[]; payer: MediationRole; payee: MediationRole; amountFen: number; terms: string }
  | { agreed: false; reason: string };

export interface MediationRow {
  tenant: string; id: string; case_id: string; status: MediationStatus; mediator_org_id: string; starts_at: Date;
  insurer_org_ids: string[]; party_b_phone: string | null; scheduled_by: string; scheduled_at: Date;
  opened_by: string | null; opened_at: Date | null; recorded_by: string | null; recorded_at: Date | null;
  outcome: MediationOutcome | null; a_signed_at: Date | null; b_signed_at: Date | null; cancelled_at: Date | null;
  number: string | null; parties: unknown; content: unknown; content_sha256: string | null; document_sha256: string | null;
  verify_code: string | null; issued_at: Date | null; served_at: Date | null;
  reminded_at: Date | null; a_joined_at: Date | null; b_joined_at: Date | null; no_show_at: Date | null; no_show_absent: MediationAbsent[] | null;
  /** Joined: the case's number, party A's phone, and the mediator organisation's name. */
  case_number?: string; party_phone?: string; mediator_name?: string;
}

const SELECT = `SELECT m.*, c.number AS case_number, c.party_phone, o.name AS mediator_name FROM mediations m
  JOIN cases c ON c.tenant = m.tenant AND c.id = m.case_id
  JOIN partner_orgs o ON o.tenant = m.tenant AND o.id = m.mediator_org_id`;

/** $2 now, $3 the grace in minutes. */
const NO_SHOW = `((status = 'scheduled' AND starts_at <= $2::timestamptz - make_interval(mins => $3::int))
  OR (status = 'open' AND recorded_at IS NULL AND GREATEST(starts_at, opened_at) <= $2::timestamptz - make_interval(mins => $3::int)
      AND (a_joined_at IS NULL OR b_joined_at IS NULL)))`;

export interface NewMediation {
  id: string; caseId: string; mediatorOrgId: string; startsAt: Date; insurerOrgIds: string[]; partyBPhone: string | null; scheduledBy: string; at: Date;
}

export interface MediationDocument {
  number: string; parties: unknown; content: string; contentSha256: string; verifyCode: string; issuedAt: Date;
}

export const mediationsRepo = {
  async get(q: Q, id: string, opts: { lock?: boolean } = {}): Promise<MediationRow | undefined> {
    const [m] = await q.query<MediationRow>(`${SELECT} WHERE m.tenant = $1 AND m.id = $2${opts.lock ? ' FOR UPDATE OF m' : ''}`, [q.tenant, id]);
    return m;
  },
  /** The case's mediations, newest booking first. */
  ofCase: (q: Q, caseId: string) => q.query<MediationRow>(`${SELECT} WHERE m.tenant = $1 AND m.case_id = $2 ORDER BY m.scheduled_at DESC, m.id`, [q.tenant, caseId]),
  /** The case's mediation under way (scheduled, open, or agreed and waiting for signatures). */
  async active(q: Q, caseId: string): Promise<MediationRow | undefined> {
    const [m] = await q.query<MediationRow>(`${SELECT} WHERE m.tenant = $1 AND m.case_id = $2 AND m.status IN ('scheduled', 'open', 'agreed')`, [q.tenant, caseId]);
    return m;
  },
  /** A mediator organisation's mediations, by time. */
  ofOrg: (q: Q, orgId: string) => q.query<MediationRow>(`${SELECT} WHERE m.tenant = $1 AND m.mediator_org_id = $2 ORDER BY m.starts_at DESC LIMIT 200`, [q.tenant, orgId]),

  async insert(q: Q, m: NewMediation): Promise<void> {
    await q.query(
      `INSERT INTO mediations (tenant, id, case_id, status, mediator_org_id, starts_at, insurer_org_ids, party_b_phone, scheduled_by, scheduled_at)
       VALUES ($1, $2, $3, 'scheduled', $4, $5, $6, $7, $8, $9)`,
      [q.tenant, m.id, m.caseId, m.mediatorOrgId, m.startsAt, m.insurerOrgIds, m.partyBPhone, m.scheduledBy, m.at]);
  },
  async cancel(q: Q, id: string, at: Date): Promise<void> {
    await q.query(`UPDATE mediations SET status = 'cancelled', cancelled_at = $3 WHERE tenant = $1 AND id = $2`, [q.tenant, id, at]);
  },
  async open(q: Q, id: string, by: string, at: Date): Promise<void> {
    await q.query(`UPDATE mediations SET status = 'open', opened_by = $3, opened_at = $4 WHERE tenant = $1 AND id = $2 AND status = 'scheduled'`, [q.tenant, id, by, at]);
  },
  async record(q: Q, id: string, outcome: MediationOutcome, by: string, at: Date): Promise<void> {
    await q.query(`UPDATE mediations SET status = $3, outcome = $4, recorded_by = $5, recorded_at = $6 WHERE tenant = $1 AND id = $2 AND status = 'open'`,
      [q.tenant, id, outcome.agreed ? 'agreed' : 'not_agreed', JSON.stringify(outcome), by, at]);
  },
  /** The party's signature; false when that party had signed already. */
  async sign(q: Q, id: string, role: MediationRole, at: Date): Promise<boolean> {
    const col = role === 'A' ? 'a_signed_at' : 'b_signed_at';
    const rows = await q.query(`UPDATE mediations SET ${col} = $3 WHERE tenant = $1 AND id = $2 AND status = 'agreed' AND ${col} IS NULL RETURNING 1`, [q.tenant, id, at]);
    return rows.length > 0;
  },
  async issue(q: Q, id: string, d: MediationDocument): Promise<void> {
    await q.query(
      `UPDATE mediations SET status = 'signed', number = $3, parties = $4, content = $5, content_sha256 = $6, verify_code = $7, issued_at = $8 WHERE tenant = $1 AND id = $2`,
      [q.tenant, id, d.number, JSON.stringify(d.parties), d.content, d.contentSha256, d.verifyCode, d.issuedAt]);
  },
  /** The rendered PDF, unless one is recorded already; true when this one was. */
  async setDocument(q: Q, id: string, sha256: string): Promise<boolean> {
    const rows = await q.query('UPDATE mediations SET document_sha256 = $3 WHERE tenant = $1 AND id = $2 AND document_sha256 IS NULL RETURNING 1', [q.tenant, id, sha256]);
    return rows.length > 0;
  },
  /** Marks it served; false when it already was. */
  async markServed(q: Q, id: string, at: Date): Promise<boolean> {
    const rows = await q.query('UPDATE mediations SET served_at = $3 WHERE tenant = $1 AND id = $2 AND served_at IS NULL RETURNING 1', [q.tenant, id, at]);
    return rows.length > 0;
  },
  /**
   * Bookings whose reminder is due (`remindFrom` ≥ the time > `now`), booked before the reminder
   * point (a booking made inside the lead was just told the time), not yet reminded.
   */
  remindable: (q: Q, now: Date, leadMinutes: number) => q.query<{ id: string }>(
    `SELECT id FROM mediations WHERE tenant = $1 AND status = 'scheduled' AND reminded_at IS NULL
       AND starts_at > $2 AND starts_at <= $2::timestamptz + make_interval(mins => $3::int) AND scheduled_at < starts_at - make_interval(mins => $3::int)
     ORDER BY starts_at LIMIT 100`, [q.tenant, now, leadMinutes]),
  /** Claims the reminder of one booking (the same conditions): true for the one transaction that set it. */
  async claimReminder(q: Q, id: string, now: Date, leadMinutes: number): Promise<boolean> {
    const rows = await q.query(
      `UPDATE mediations SET reminded_at = $3 WHERE tenant = $1 AND id = $2 AND status = 'scheduled' AND reminded_at IS NULL
         AND starts_at > $3 AND starts_at <= $3::timestamptz + make_interval(mins => $4::int) AND scheduled_at < starts_at - make_interval(mins => $4::int)
       RETURNING 1`, [q.tenant, id, now, leadMinutes]);
    return rows.length > 0;
  },
  /**
   * Bookings that did not take place by `now` less the grace: never opened, or opened (the later of
   * the time and the opening) with no outcome and a party who never joined the room.
   */
  noShows: (q: Q, now: Date, graceMinutes: number) => q.query<{ id: string; case_id: string }>(
    `SELECT id, case_id FROM mediations WHERE tenant = $1 AND ${NO_SHOW} ORDER BY starts_at LIMIT 100`, [q.tenant, now, graceMinutes]),
  /** Marks one booking a no-show (the same conditions); the row as it was claimed, or undefined when another process did, or it took place. */
  async claimNoShow(q: Q, id: string, now: Date, graceMinutes: number): Promise<MediationRow | undefined> {
    const [m] = await q.query<MediationRow>(
      `UPDATE mediations SET status = 'no_show', no_show_at = $2,
         no_show_absent = CASE WHEN opened_at IS NULL THEN ARRAY['mediator']
           ELSE array_remove(ARRAY[CASE WHEN a_joined_at IS NULL THEN 'A' END, CASE WHEN b_joined_at IS NULL THEN 'B' END], NULL) END
       WHERE tenant = $1 AND id = $4 AND ${NO_SHOW} RETURNING *`, [q.tenant, now, graceMinutes, id]);
    return m;
  },
  /**
   * Party A or B joined the case's room: the first join counts for the case's booking from the time
   * the room may open (OPENS_EARLY before its time, `opensBy` = now + that) while it is booked or open.
   */
  async joined(q: Q, caseId: string, role: MediationRole, at: Date, opensBy: Date): Promise<void> {
    const col = role === 'A' ? 'a_joined_at' : 'b_joined_at';
    await q.query(`UPDATE mediations SET ${col} = $3 WHERE tenant = $1 AND case_id = $2 AND status IN ('scheduled', 'open') AND ${col} IS NULL AND starts_at <= $4`,
      [q.tenant, caseId, at, opensBy]);
  },
  /** The case's mediation open now, if any (room admission: its mediator organisation's people join as mediator). */
  async openFor(q: Q, caseId: string): Promise<MediationRow | undefined> {
    const [m] = await q.query<MediationRow>(`${SELECT} WHERE m.tenant = $1 AND m.case_id = $2 AND m.status = 'open'`, [q.tenant, caseId]);
    return m;
  },
};
