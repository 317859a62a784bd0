/**
 * The two HMAC-SHA256 signatures kuaichu puts on what it sends to counterparts (and checks on
 * what they call back with). Documented for the counterparts in docs/integrations.md.
 *
 * Requests (registries, dispatch, 12123, and dispatch's callbacks to us) — "KC1":
 *   string to sign = "KC1-HMAC-SHA256\n" + METHOD + "\n" + path?query + "\n" + timestamp + "\n" + nonce + "\n" + hex(SHA-256(body))
 *   headers: X-KC-Key-Id, X-KC-Timestamp (Unix seconds), X-KC-Nonce (32 hex), X-KC-Content-SHA256,
 *            X-KC-Signature (hex HMAC-SHA256 of the string to sign with the key's secret)
 *   The nonce makes every request's signature unique, so a receiver that remembers nonces
 *   for the freshness window refuses a replay.
 *
 * Webhooks (insurers) — Stripe-like:
 *   signed payload = timestamp + "." + body
 *   headers: Kuaichu-Timestamp, Kuaichu-Key-Id (the key that signs now),
 *            Kuaichu-Signature: "<keyId>=<hex>[,<keyId>=<hex>]" — one signature per active key,
 *            so during a rotation the receiver accepts whichever key it knows; Idempotency-Key.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const KC1 = 'KC1-HMAC-SHA256';
/** A timestamp further than this from the receiver's clock is refused (replays, stale retries). */
export const DEFAULT_TOLERANCE_S = 300;

export interface SigningKey {
  id: string;
  secret: string;
}

export function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function kc1StringToSign(method: string, pathAndQuery: string, timestamp: string, nonce: string, bodySha256: string): string {
  return [KC1, method.toUpperCase(), pathAndQuery, timestamp, nonce, bodySha256].join('\n');
}

/** Headers of a KC1-signed request. */
export function signRequest(key: SigningKey, req: { method: string; path: string; body: string; nowMs: number; nonce?: string }): Record<string, string> {
  const timestamp = String(Math.floor(req.nowMs / 1000));
  const nonce = req.nonce ?? randomBytes(16).toString('hex');
  const bodySha256 = sha256Hex(req.body);
  return {
    'x-kc-key-id': key.id,
    'x-kc-timestamp': timestamp,
    'x-kc-nonce': nonce,
    'x-kc-content-sha256': bodySha256,
    'x-kc-signature': hmacHex(key.secret, kc1StringToSign(req.method, req.path, timestamp, nonce, bodySha256)),
  };
}

export type VerifyFailure = 'missing_headers' | 'unknown_key' | 'stale_timestamp' | 'body_hash' | 'bad_signature' | 'replayed_nonce';

/**
 * Checks a KC1-signed request. `seenNonce` (optional) answers whether the nonce was already
 * used inside the tolerance window, and remembers it otherwise.
 */
export function verifyRequest(
  keys: readonly SigningKey[],
  req: { method: string; path: string; body: string; headers: Record<string, string | string[] | undefined>; nowMs: number },
  opts: { toleranceS?: number; seenNonce?: (keyId: string, nonce: string) => boolean } = {},
): { ok: true; keyId: string } | { ok: false; reason: VerifyFailure } {
  const h = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const keyId = h('x-kc-key-id'), ts = h('x-kc-timestamp'), nonce = h('x-kc-nonce'), sig = h('x-kc-signature'), bodyHash = h('x-kc-content-sha256');
  if (!keyId || !ts || !nonce || !sig || !bodyHash || !/^\d{1,12}$/.test(ts) || !/^[0-9a-f]{16,64}$/i.test(nonce)) return { ok: false, reason: 'missing_headers' };
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: 'unknown_key' };
  if (Math.abs(req.nowMs / 1000 - Number(ts)) > (opts.toleranceS ?? DEFAULT_TOLERANCE_S)) return { ok: false, reason: 'stale_timestamp' };
  const actual = sha256Hex(req.body);
  if (!sameHex(actual, bodyHash.toLowerCase())) return { ok: false, reason: 'body_hash' };
  if (!sameHex(hmacHex(key.secret, kc1StringToSign(req.method, req.path, ts, nonce, actual)), sig.toLowerCase())) return { ok: false, reason: 'bad_signature' };
  if (opts.seenNonce?.(keyId, nonce)) return { ok: false, reason: 'replayed_nonce' };
  return { ok: true, keyId };
}

/** A bounded memory of nonces seen within the tolerance window (one process). */
export function nonceMemory(toleranceS = DEFAULT_TOLERANCE_S, now: () => number = Date.now, max = 100_000): (keyId: string, nonce: string) => boolean {
  const seen = new Map<string, number>();
  return (keyId, nonce) => {
    const t = now();
    for (const [k, at] of seen) {
      if (t - at <= toleranceS * 2000 && seen.size < max) break;
      seen.delete(k); // insertion order = age order
    }
    const k = `${keyId}:${nonce}`;
    if (seen.has(k)) return true;
    seen.set(k, t);
    return false;
  };
}

/** Headers of a webhook: one signature per key (current first), so a rotation needs no flag day. */
export function signWebhook(keys: readonly SigningKey[], body: string, nowMs: number, idempotencyKey: string): Record<string, string> {
  if (!keys.length) throw new Error('signWebhook needs at least one key');
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'kuaichu-timestamp': timestamp,
    'kuaichu-key-id': keys[0]!.id,
    'kuaichu-signature': keys.map((k) => `${k.id}=${hmacHex(k.secret, `${timestamp}.${body}`)}`).join(','),
    'idempotency-key': idempotencyKey,
  };
}

/** What an insurer runs: accepts when a listed signature matches one of its keys and the timestamp is fresh. */
export function verifyWebhook(
  keys: readonly SigningKey[],
  body: string,
  headers: Record<string, string | string[] | undefined>,
  nowMs: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): { ok: true; keyId: string } | { ok: false; reason: VerifyFailure } {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ts = one(headers['kuaichu-timestamp']);
  const header = one(headers['kuaichu-signature']);
  if (!ts || !header || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'missing_headers' };
  if (Math.abs(nowMs / 1000 - Number(ts)) > toleranceS) return { ok: false, reason: 'stale_timestamp' };
  let known = false;
  for (const part of header.split(',')) {
    const [id, sig] = part.trim().split('=');
    const key = keys.find((k) => k.id === id);
    if (!key || !sig) continue;
    known = true;
    if (sameHex(hmacHex(key.secret, `${ts}.${body}`), sig.toLowerCase())) return { ok: true, keyId: key.id };
  }
  return { ok: false, reason: known ? 'bad_signature' : 'unknown_key' };
}
