/**
 * Party sign-in by phone: a six-digit code sent through the SMS port, bound to a challenge
 * that only the requesting device receives (in the answer, never by SMS). Codes are stored as
 * an HMAC keyed by a server secret and expire after 5 minutes.
 *
 * Why a challenge (issue 11.7): with one code per phone, anyone could type 5 wrong codes for a
 * stranger's number and void the code the driver was about to type. Now wrong tries count
 * against the challenge they were made with, so a device without the driver's challenge cannot
 * touch the driver's code at all; it burns only codes it asked for itself.
 *
 * Limits, by phone AND by client (clientKey: the address fastify resolved through the trusted
 * proxies, an IPv6 /64):
 * - 5 wrong tries void a challenge (KC_OTP_TOO_MANY_TRIES); the client that made them may ask
 *   for a new code for that phone only after a wait that doubles with each voided code
 *   (1 min, 2, 4 … at most an hour; forgotten after a quiet day, or at a successful sign-in).
 * - A client gets a code for a phone at most once a minute and 5 times an hour.
 * - A phone gets at most 20 codes an hour from all clients together: the ceiling on SMS
 *   bombing and on guessing (at most 100 guesses an hour at one phone's codes, 1 in 10 000).
 * The decision: a single other client can neither void the driver's code nor hold back the
 * driver's next one (its own sends take 5 of the 20). Only an attacker with at least four
 * addresses outside one /64 can reach the phone's ceiling, and then for at most the rest of
 * the hour, while a code the driver already holds keeps working; lifting that ceiling would
 * open the phone to unbounded SMS bombing and guessing.
 */
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { tenantDb, type CoreContext } from '../context.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import { otpRepo } from '../persistence/otp.ts';
import { Errors } from '../errors.ts';
import { otpSms } from '../sms/messages.ts';
import { queueSms, sendSmsNow } from '../sms/outbox.ts';

const TTL_MS = 5 * 60_000;
const RESEND_MS = 60_000;
const MAX_ATTEMPTS = 5;
const HOUR_MS = 3600_000;
const CLIENT_SENDS_PER_HOUR = 5;
const PHONE_SENDS_PER_HOUR = 20;
const BASE_BLOCK_MS = 60_000;
const MAX_BLOCK_MS = HOUR_MS;
const FORGET_STRIKES_MS = 24 * HOUR_MS;
export const PHONE_PATTERN = '^1[3-9]\\d{9}$';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function codeHash(secret: string, tenant: string, phone: string, challenge: string, code: string): string {
  return createHmac('sha256', secret).update(`${tenant}|${phone}|${challenge}|${code}`).digest('hex');
}

export async function sendCode(ctx: CoreContext, tenant: string, phone: string, client: string): Promise<{ expiresAt: Date; challenge: string }> {
  const city = ctx.cities.get(tenant);
  const now = ctx.clock.now();
  const challenge = randomBytes(18).toString('base64url');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + TTL_MS);
  const queued = await tenantDb(ctx, tenant).tx(async (q) => {
    // One decision at a time per phone, in every process: the hourly counts below stay true.
    await otpRepo.lockPhone(q, phone);
    const block = await otpRepo.blockedUntil(q, phone, client);
    const blockedMs = block ? block.getTime() - now.getTime() : 0;
    if (blockedMs > 0) throw tooManyTries(blockedMs);
    await otpRepo.pruneSentBefore(q, phone, new Date(now.getTime() - HOUR_MS));
    // Sends of the last hour; rows "in the future" (a test clock set back) do not count.
    const sent = (await otpRepo.sentUpTo(q, phone, now)).map((r) => ({ client: r.client, at: new Date(r.sent_at).getTime() }));
    const mine = sent.filter((s) => s.client === client);
    const last = mine.at(-1);
    if (last && now.getTime() - last.at < RESEND_MS) throw Errors.rateLimited('a code was sent less than a minute ago', { retryAfterSeconds: seconds(last.at + RESEND_MS - now.getTime()) });
    if (mine.length >= CLIENT_SENDS_PER_HOUR) throw Errors.rateLimited('too many codes asked for this phone from here in the last hour', { retryAfterSeconds: seconds(mine[mine.length - CLIENT_SENDS_PER_HOUR]!.at + HOUR_MS - now.getTime()) });
    if (sent.length >= PHONE_SENDS_PER_HOUR) throw Errors.rateLimited('too many codes sent to this phone in the last hour', { retryAfterSeconds: seconds(sent[sent.length - PHONE_SENDS_PER_HOUR]!.at + HOUR_MS - now.getTime()) });
    await otpRepo.insertChallenge(q, { challengeHash: sha256(challenge), phone, client, codeHash: codeHash(ctx.documentSecret, tenant, phone, challenge, code), sentAt: now, expiresAt });
    // Through the SMS outbox: retried while the gateway fails, dropped once the code has expired.
    return queueSms(q, { ...otpSms(city, code), to: phone, key: `sms:otp:${sha256(challenge)}`, at: now, expiresAt });
  });
  const round = await sendSmsNow(ctx, tenant, [queued]);
  // The gateway refused the number or the template for good: no code will come, say so now.
  if (round?.dead) throw Errors.unavailable('the SMS gateway refused to send the code to this number; try again later or call 122');
  return { expiresAt, challenge };
}

export async function checkCode(ctx: CoreContext, tenant: string, phone: string, code: string, challenge: string, client: string): Promise<void> {
  const now = ctx.clock.now();
  const id = sha256(challenge);
  const db = tenantDb(ctx, tenant);
  // Counted before comparing, atomically: parallel guesses cannot get past the limit.
  const row = await otpRepo.countTry(db, id, phone, MAX_ATTEMPTS);
  if (!row) {
    if (!(await otpRepo.challengeExists(db, id, phone))) throw Errors.otpInvalid('no code was asked for with this challenge, or it was used; request a new code');
    throw tooManyTries(await blockedMs(db, phone, client, now));
  }
  if (new Date(row.expires_at) <= now) throw Errors.otpInvalid('the code has expired; request a new one');
  const a = Buffer.from(row.code_hash, 'hex');
  const b = Buffer.from(codeHash(ctx.documentSecret, tenant, phone, challenge, code), 'hex');
  if (a.length === b.length && timingSafeEqual(a, b)) {
    await otpRepo.deleteChallenge(db, id);
    await otpRepo.clearThrottle(db, phone, client);
    return;
  }
  if (row.attempts < MAX_ATTEMPTS) throw Errors.otpInvalid(undefined, { triesLeft: MAX_ATTEMPTS - row.attempts });
  // The last try of this challenge failed: it is void, and whoever asked for it and whoever
  // guessed with it wait longer before their next code for this phone.
  let wait = 0;
  for (const c of new Set([client, row.client])) wait = Math.max(wait, await strike(db, phone, c, now));
  throw tooManyTries(wait);
}

function tooManyTries(waitMs: number) {
  const retryAfterSeconds = waitMs > 0 ? seconds(waitMs) : 0;
  return Errors.otpTooManyTries(
    retryAfterSeconds ? `too many wrong codes; this code no longer works, request a new one in ${Math.ceil(retryAfterSeconds / 60)} min` : 'too many wrong codes; this code no longer works, request a new one',
    { retryAfterSeconds },
  );
}

async function blockedMs(db: TenantQueryable, phone: string, client: string, now: Date): Promise<number> {
  const until = await otpRepo.blockedUntil(db, phone, client);
  return until ? Math.max(0, until.getTime() - now.getTime()) : 0;
}

/** One more voided code for (phone, client): the wait before its next code doubles. Returns that wait. */
async function strike(db: TenantQueryable, phone: string, client: string, now: Date): Promise<number> {
  const strikes = await otpRepo.strike(db, phone, client, now, new Date(now.getTime() - FORGET_STRIKES_MS));
  const ms = Math.min(MAX_BLOCK_MS, BASE_BLOCK_MS * 2 ** (strikes - 1));
  await otpRepo.block(db, phone, client, new Date(now.getTime() + ms));
  return ms;
}
