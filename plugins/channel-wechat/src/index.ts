/**
 * WeChat mini-program intake channel (port `channel`). The mini-program (南通「事故云快处」)
 * knows the party by its openid and phone; the party app is opened with a compact signed
 * launch token `base64url(JSON payload).base64url(HMAC-SHA256(secret, first part))`, payload
 * { tenant, channel: 'wechat_miniprogram', phone, sub (openid), iat, exp, jti } (seconds since
 * the epoch; jti a random id). This plugin verifies such tokens with the secret taken from the
 * environment variable the `tokenSecretEnv` option names: signature (constant-time), shape,
 * channel, tenant, expiry at the `now` passed in, a lifetime no longer than `tokenTtlSeconds`,
 * and a first use (a replay is refused: usedTokens.ts). With `appId` and `appSecretEnv` it also
 * does the real login (login.ts): wx.login code → openid (jscode2session), getPhoneNumber code
 * → phone, then issues the launch token. `signChannelToken` is what an issuer does.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { definePlugin, type ChannelIdentity, type ChannelPort, type PluginContext } from '@kuaichu/core/ports';
import type { ChannelWechatOptions } from '@kuaichu/core/generated/types.ts';
import { createWechatLogin, type WechatLogin } from './login.ts';
import { FileUsedTokens, MemoryUsedTokens, type UsedTokenStore } from './usedTokens.ts';

export { FileUsedTokens, MemoryUsedTokens, type UsedTokenStore } from './usedTokens.ts';
export { WechatApiError, type WechatFailure, type WechatSession } from './wechatApi.ts';
export type { WechatLoginResult } from './login.ts';

export const CHANNEL = 'wechat_miniprogram';
export const DEFAULT_TTL_SECONDS = 600;
/** Clock skew tolerated between the mini-program backend and us. */
export const CLOCK_SKEW_SECONDS = 60;
const MAX_TOKEN_CHARS = 4096;
const MOBILE_RE = /^1[3-9]\d{9}$/;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const JTI_RE = /^[A-Za-z0-9_-]{16,64}$/;
export const DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_USED_TOKEN_DIR = path.join(tmpdir(), 'kuaichu-launch-tokens');

export interface ChannelTokenPayload {
  tenant: string;
  channel: typeof CHANNEL;
  phone: string;
  /** The openid. */
  sub: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  /** The token's own id: it opens the app once. */
  jti: string;
}

export type TokenRefusal = 'malformed' | 'bad_signature' | 'bad_payload' | 'wrong_channel' | 'wrong_tenant' | 'expired' | 'not_yet_valid' | 'lifetime_too_long' | 'replayed';

export type TokenCheck = { ok: true; identity: ChannelIdentity; payload: ChannelTokenPayload } | { ok: false; reason: TokenRefusal };

function mac(secret: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', secret).update(data, 'ascii').digest();
}

/** Signs a channel token, as the mini-program's backend does. */
export function signChannelToken(payload: ChannelTokenPayload, secret: string | Uint8Array): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** A fresh token id (128 random bits). */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

/** A single-use token for a party, valid `ttlSeconds` from `now`. */
export function issueChannelToken(
  party: { tenant: string; phone: string; sub: string },
  secret: string | Uint8Array,
  opts: { now?: Date; ttlSeconds?: number } = {},
): string {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  return signChannelToken({ tenant: party.tenant, channel: CHANNEL, phone: party.phone, sub: party.sub, iat, exp: iat + (opts.ttlSeconds ?? DEFAULT_TTL_SECONDS), jti: newTokenId() }, secret);
}

/** Decodes strict, canonical base64url (no padding, no stray characters). */
function fromB64url(s: string): Buffer | null {
  if (!B64URL_RE.test(s)) return null;
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : null;
}

/** Verifies a token and says why it is refused (not whether it was used: see createChannelWechat). */
export function checkChannelToken(
  token: string,
  opts: { secret: string | Uint8Array; tenant: string; now: Date; maxTtlSeconds?: number },
): TokenCheck {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [body, sig] = parts as [string, string];
  const bodyBytes = fromB64url(body);
  const sigBytes = fromB64url(sig);
  if (!bodyBytes || !sigBytes) return { ok: false, reason: 'malformed' };
  const expected = mac(opts.secret, body);
  if (sigBytes.length !== expected.length || !timingSafeEqual(sigBytes, expected)) return { ok: false, reason: 'bad_signature' };

  let p: Partial<Record<keyof ChannelTokenPayload, unknown>>;
  try {
    p = JSON.parse(bodyBytes.toString('utf8')) as typeof p;
  } catch {
    return { ok: false, reason: 'bad_payload' };
  }
  if (
    !p || typeof p !== 'object' ||
    typeof p.tenant !== 'string' || !p.tenant ||
    typeof p.phone !== 'string' || !MOBILE_RE.test(p.phone) ||
    typeof p.sub !== 'string' || p.sub.length < 1 || p.sub.length > 128 ||
    !Number.isInteger(p.iat) || !Number.isInteger(p.exp) || (p.exp as number) <= (p.iat as number) ||
    typeof p.jti !== 'string' || !JTI_RE.test(p.jti)
  ) {
    return { ok: false, reason: 'bad_payload' };
  }
  if (p.channel !== CHANNEL) return { ok: false, reason: 'wrong_channel' };
  if (p.tenant !== opts.tenant) return { ok: false, reason: 'wrong_tenant' };
  const now = opts.now.getTime() / 1000;
  const iat = p.iat as number;
  const exp = p.exp as number;
  if (Number.isNaN(now)) throw new RangeError('channel-wechat: `now` is not a valid date');
  if (now >= exp) return { ok: false, reason: 'expired' };
  if (iat > now + CLOCK_SKEW_SECONDS) return { ok: false, reason: 'not_yet_valid' };
  if (exp - iat > (opts.maxTtlSeconds ?? DEFAULT_TTL_SECONDS)) return { ok: false, reason: 'lifetime_too_long' };
  const payload: ChannelTokenPayload = { tenant: p.tenant, channel: CHANNEL, phone: p.phone, sub: p.sub, iat, exp, jti: p.jti };
  return { ok: true, payload, identity: { tenant: p.tenant, channel: CHANNEL, phone: p.phone, subject: p.sub } };
}

/** The channel port, and the login when the app's id and secret are configured. */
export interface ChannelWechat extends ChannelPort {
  /** A single-use launch token for a party the mini-program identified. */
  issueLaunchToken(party: { phone: string; sub: string }, now: Date): string;
  /** Present with `appId` and `appSecretEnv`: jscode2session and the whole login. */
  readonly wechat: WechatLogin | null;
}

function usedTokenStore(options: ChannelWechatOptions): UsedTokenStore {
  return options.usedTokens === 'memory' ? new MemoryUsedTokens() : new FileUsedTokens(options.usedTokenDir ?? DEFAULT_USED_TOKEN_DIR);
}

export function createChannelWechat(options: ChannelWechatOptions, ctx: PluginContext, deps: { usedTokens?: UsedTokenStore } = {}): ChannelWechat {
  const secret = ctx.env[options.tokenSecretEnv];
  if (!secret) {
    throw new Error(
      `channel-wechat: environment variable ${options.tokenSecretEnv} is not set; it must hold the HMAC secret of the launch tokens of the mini-program ${options.appName} (tenant ${ctx.tenant})`,
    );
  }
  if (secret.length < 32) ctx.log.warn({ plugin: 'channel-wechat', tenant: ctx.tenant, env: options.tokenSecretEnv }, 'channel token secret is shorter than 32 characters');
  const maxTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TTL_SECONDS;
  const used = deps.usedTokens ?? usedTokenStore(options);
  const issueLaunchToken = (party: { phone: string; sub: string }, now: Date) => issueChannelToken({ tenant: ctx.tenant, ...party }, secret, { now, ttlSeconds: maxTtlSeconds });

  let wechat: WechatLogin | null = null;
  if (options.appId || options.appSecretEnv) {
    if (!options.appId || !options.appSecretEnv) throw new Error('channel-wechat: appId and appSecretEnv go together (the login needs both)');
    const appSecret = ctx.env[options.appSecretEnv];
    if (!appSecret) throw new Error(`channel-wechat: environment variable ${options.appSecretEnv} is not set; it must hold the AppSecret of the mini-program ${options.appName} (${options.appId})`);
    wechat = createWechatLogin({ baseUrl: options.apiBaseUrl ?? DEFAULT_API_BASE_URL, appId: options.appId, appSecret, timeoutMs: options.apiTimeoutMs ?? 5000 }, issueLaunchToken);
  }

  const refused = (reason: TokenRefusal) => {
    // Never the token nor the phone: only why it was refused.
    ctx.log.warn({ plugin: 'channel-wechat', tenant: ctx.tenant, app: options.appName, reason }, 'channel token refused');
    return null;
  };
  return {
    verifyToken(token, now) {
      const r = checkChannelToken(token, { secret, tenant: ctx.tenant, now, maxTtlSeconds });
      if (!r.ok) return refused(r.reason);
      // Claimed last: a token refused for another reason is not used up.
      if (!used.claim(ctx.tenant, r.payload.jti, new Date(r.payload.exp * 1000), now)) return refused('replayed');
      return r.identity;
    },
    issueLaunchToken,
    wechat,
  };
}

export const channelWechat = definePlugin({
  name: 'channel-wechat',
  port: 'channel',
  create: (options, ctx) => createChannelWechat(options as unknown as ChannelWechatOptions, ctx),
});

export default channelWechat;
