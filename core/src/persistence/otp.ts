/** Party sign-in codes (`otp_challenges`) and the per phone and client backoff (`otp_client_throttles`). */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

/** Namespace of the per-phone advisory lock (the first key of pg_advisory_xact_lock(int, int)). */
const LOCK_NS = 7_318_205;

export interface ChallengeRow {
  code_hash: string;
  expires_at: Date;
  attempts: number;
  client: string;
}

export const otpRepo = {
  /** One decision at a time per phone, in every process, until the transaction ends. */
  async lockPhone(q: Q, phone: string): Promise<void> {
    await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NS, `${q.tenant}|${phone}`]);
  },

  async pruneSentBefore(q: Q, phone: string, before: Date): Promise<void> {
    await q.query('DELETE FROM otp_challenges WHERE tenant = $1 AND phone = $2 AND sent_at <= $3', [q.tenant, phone, before]);
  },

  /** Codes sent to the phone up to `now`, oldest first. */
  sentUpTo: (q: Q, phone: string, now: Date) =>
    q.query<{ client: string; sent_at: Date }>('SELECT client, sent_at FROM otp_challenges WHERE tenant = $1 AND phone = $2 AND sent_at <= $3 ORDER BY sent_at', [q.tenant, phone, now]),

  async insertChallenge(q: Q, c: { challengeHash: string; phone: string; client: string; codeHash: string; sentAt: Date; expiresAt: Date }): Promise<void> {
    await q.query(
      'INSERT INTO otp_challenges (challenge_hash, tenant, phone, client, code_hash, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [c.challengeHash, q.tenant, c.phone, c.client, c.codeHash, c.sentAt, c.expiresAt],
    );
  },

  /** Counts one try of a challenge that has tries left (atomically); undefined when none is left or there is no such challenge. */
  async countTry(q: Q, challengeHash: string, phone: string, maxAttempts: number): Promise<ChallengeRow | undefined> {
    const [row] = await q.query<ChallengeRow>(
      `UPDATE otp_challenges SET attempts = attempts + 1 WHERE challenge_hash = $1 AND tenant = $2 AND phone = $3 AND attempts < $4
       RETURNING code_hash, expires_at, attempts, client`,
      [challengeHash, q.tenant, phone, maxAttempts],
    );
    return row;
  },

  async challengeExists(q: Q, challengeHash: string, phone: string): Promise<boolean> {
    return (await q.query('SELECT 1 FROM otp_challenges WHERE challenge_hash = $1 AND tenant = $2 AND phone = $3', [challengeHash, q.tenant, phone])).length > 0;
  },

  async deleteChallenge(q: Q, challengeHash: string): Promise<void> {
    await q.query('DELETE FROM otp_challenges WHERE tenant = $1 AND challenge_hash = $2', [q.tenant, challengeHash]);
  },

  async blockedUntil(q: Q, phone: string, client: string): Promise<Date | null> {
    const [t] = await q.query<{ blocked_until: Date | null }>('SELECT blocked_until FROM otp_client_throttles WHERE tenant = $1 AND phone = $2 AND client = $3', [q.tenant, phone, client]);
    return t?.blocked_until ? new Date(t.blocked_until) : null;
  },

  async clearThrottle(q: Q, phone: string, client: string): Promise<void> {
    await q.query('DELETE FROM otp_client_throttles WHERE tenant = $1 AND phone = $2 AND client = $3', [q.tenant, phone, client]);
  },

  /** One more strike for (phone, client); strikes older than `forgetBefore` are forgotten first. Returns the count. */
  async strike(q: Q, phone: string, client: string, now: Date, forgetBefore: Date): Promise<number> {
    const [{ strikes }] = (await q.query<{ strikes: number }>(
      `INSERT INTO otp_client_throttles AS t (tenant, phone, client, strikes, last_strike_at) VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (tenant, phone, client) DO UPDATE SET
         strikes = CASE WHEN t.last_strike_at IS NULL OR t.last_strike_at < $5 THEN 1 ELSE t.strikes + 1 END, last_strike_at = $4
       RETURNING strikes`,
      [q.tenant, phone, client, now, forgetBefore],
    )) as [{ strikes: number }];
    return strikes;
  },

  async block(q: Q, phone: string, client: string, until: Date): Promise<void> {
    await q.query('UPDATE otp_client_throttles SET blocked_until = $4 WHERE tenant = $1 AND phone = $2 AND client = $3', [q.tenant, phone, client, until]);
  },
};
