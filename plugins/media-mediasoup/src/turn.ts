// TURN credentials for a participant (coturn, deploy/coturn): the TURN REST API shared-secret
// scheme (draft-uberti-behave-turn-rest, coturn's `use-auth-secret`). The username is
// "<unix expiry time>:<participant>", the credential base64(HMAC-SHA1(secret, username)); coturn
// checks the HMAC and the expiry itself, so there is no user database and nothing to revoke: a
// credential dies with its lifetime. The secret comes only from the environment and is never
// logged (not even its length).
import { createHmac } from 'node:crypto';
import type { TurnIceServer } from '@kuaichu/core/generated/types.ts';

export type { TurnIceServer };

export interface TurnSettings {
  /** coturn's static-auth-secret (KUAICHU_TURN_SECRET). */
  secret: string;
  /** turn:/turns: URLs handed to the clients (KUAICHU_TURN_URLS, comma-separated). */
  urls: string[];
  /** How long a credential is valid (s, KUAICHU_TURN_TTL, default 1 h). */
  ttlSeconds: number;
  /**
   * 'relay' tells every client to send all media through TURN (KUAICHU_TURN_POLICY=relay): for a
   * network that lets only the TURN server through, or to keep clients' addresses from the media
   * servers. Default 'all': direct when it works. With 'all' a browser may not ask TURN at all — it
   * stops gathering once a direct path answers — so only 'relay' guarantees traffic through coturn.
   */
  policy: 'all' | 'relay';
}

export const DEFAULT_TURN_TTL_SECONDS = 3600;

/**
 * The ICE server entry for one participant. `participant` goes into coturn's logs as part of the
 * username, so callers pass an opaque id (the peer's random id and role), never a phone number.
 */
export function turnIceServer(settings: TurnSettings, participant: string, nowMs: number = Date.now()): TurnIceServer {
  if (participant.includes(':')) throw new Error('a TURN participant id must not contain ":"');
  const expiry = Math.floor(nowMs / 1000) + settings.ttlSeconds;
  const username = `${expiry}:${participant}`;
  const credential = createHmac('sha1', settings.secret).update(username).digest('base64');
  return { urls: [...settings.urls], username, credential };
}

/** "3600", "3600s", "90m", "1h", "1h30m" → seconds; null when it is not a duration. */
export function parseDurationSeconds(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!m || t === '') return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * TURN from the environment: KUAICHU_TURN_SECRET and KUAICHU_TURN_URLS both set (+ KUAICHU_TURN_TTL,
 * KUAICHU_TURN_POLICY), or no TURN.
 * One without the other is a configuration error, said at start (without the secret's value).
 */
export function turnSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): TurnSettings | undefined {
  const secret = env.KUAICHU_TURN_SECRET ?? '';
  const urls = (env.KUAICHU_TURN_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (!secret && urls.length === 0) {
    if (env.KUAICHU_TURN_POLICY?.trim()) throw new Error('KUAICHU_TURN_POLICY is set but there is no TURN server (KUAICHU_TURN_SECRET and KUAICHU_TURN_URLS)');
    return undefined;
  }
  if (!secret) throw new Error('KUAICHU_TURN_URLS is set but KUAICHU_TURN_SECRET is not (coturn static-auth-secret)');
  if (urls.length === 0) throw new Error('KUAICHU_TURN_SECRET is set but KUAICHU_TURN_URLS is not (e.g. turn:turn.example.gov.cn:3478?transport=udp)');
  const bad = urls.find((u) => !/^turns?:/.test(u));
  if (bad) throw new Error(`KUAICHU_TURN_URLS: not a turn: or turns: URL: ${bad}`);
  const ttl = env.KUAICHU_TURN_TTL ? parseDurationSeconds(env.KUAICHU_TURN_TTL) : DEFAULT_TURN_TTL_SECONDS;
  if (ttl === null || ttl <= 0) throw new Error(`KUAICHU_TURN_TTL is not a positive duration (e.g. 1h, 90m, 3600): ${env.KUAICHU_TURN_TTL}`);
  const policy = env.KUAICHU_TURN_POLICY?.trim() || 'all';
  if (policy !== 'all' && policy !== 'relay') throw new Error(`KUAICHU_TURN_POLICY must be "all" (direct when it works) or "relay" (everything through TURN), not "${env.KUAICHU_TURN_POLICY}"`);
  return { secret, urls, ttlSeconds: ttl, policy };
}
