/**
 * Party sign-in by phone: a six-digit code sent through the SMS port. Codes are stored as an
 * HMAC (keyed by a server secret), expire after 5 minutes, allow 5 tries, and a new code is
 * sent at most once a minute per phone.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { Errors } from '../errors.ts';

const TTL_MS = 5 * 60_000;
const RESEND_MS = 60_000;
const MAX_ATTEMPTS = 5;
export const PHONE_PATTERN = '^1[3-9]\\d{9}$';

function codeHash(secret: string, tenant: string, phone: string, code: string): string {
  return createHmac('sha256', secret).update(`${tenant}|${phone}|${code}`).digest('hex');
}

export async function sendCode(ctx: CoreContext, tenant: string, phone: string): Promise<{ expiresAt: Date }> {
  const city = ctx.cities.get(tenant);
  const now = ctx.clock.now();
  const [prev] = await ctx.db.query<{ sent_at: Date }>('SELECT sent_at FROM otp_codes WHERE tenant = $1 AND phone = $2', [tenant, phone]);
  if (prev && now.getTime() - new Date(prev.sent_at).getTime() < RESEND_MS) throw Errors.rateLimited('a code was sent less than a minute ago');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + TTL_MS);
  await ctx.db.query(
    `INSERT INTO otp_codes (tenant, phone, code_hash, sent_at, expires_at, attempts) VALUES ($1, $2, $3, $4, $5, 0)
     ON CONFLICT (tenant, phone) DO UPDATE SET code_hash = $3, sent_at = $4, expires_at = $5, attempts = 0`,
    [tenant, phone, codeHash(ctx.documentSecret, tenant, phone, code), now, expiresAt],
  );
  await ctx.ports.get(tenant, 'sms').send({ tenant, to: phone, kind: 'otp', text: `您的${city.profile.city.zh}事故快处验证码为 ${code}，5 分钟内有效。请勿告诉他人。` });
  return { expiresAt };
}

export async function checkCode(ctx: CoreContext, tenant: string, phone: string, code: string): Promise<void> {
  const now = ctx.clock.now();
  const [row] = await ctx.db.query<{ code_hash: string; expires_at: Date; attempts: number }>(
    'UPDATE otp_codes SET attempts = attempts + 1 WHERE tenant = $1 AND phone = $2 RETURNING code_hash, expires_at, attempts',
    [tenant, phone],
  );
  if (!row || new Date(row.expires_at) <= now || row.attempts > MAX_ATTEMPTS) throw Errors.otpInvalid();
  const a = Buffer.from(row.code_hash, 'hex');
  const b = Buffer.from(codeHash(ctx.documentSecret, tenant, phone, code), 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw Errors.otpInvalid();
  await ctx.db.query('DELETE FROM otp_codes WHERE tenant = $1 AND phone = $2', [tenant, phone]);
}
