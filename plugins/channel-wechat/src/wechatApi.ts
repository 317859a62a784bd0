/**
 * The WeChat server API calls the mini-program login needs, against a configurable base URL
 * (https://api.weixin.qq.com in production):
 *   GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code → { openid, session_key, unionid? }
 *   POST /cgi-bin/stable_token { grant_type: client_credential, appid, secret } → { access_token, expires_in }
 *   POST /wxa/business/getuserphonenumber?access_token=… { code } → { phone_info: { purePhoneNumber, countryCode, watermark: { appid } } }
 * WeChat answers errors with HTTP 200 and { errcode, errmsg }. Each errcode maps to a reason
 * and whether the same call may succeed later (WechatApiError).
 */
export type WechatFailure = 'invalid_code' | 'rate_limited' | 'busy' | 'blocked_user' | 'token_expired' | 'config' | 'unavailable' | 'bad_answer';

export class WechatApiError extends Error {
  override readonly name = 'WechatApiError';
  constructor(message: string, readonly reason: WechatFailure, readonly retryable: boolean, readonly errcode?: number, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

export function classifyErrcode(errcode: number, errmsg: string, api: string): WechatApiError {
  const text = `WeChat ${api}: ${errcode} ${errmsg}`;
  switch (errcode) {
    case 40029: // invalid code
    case 40163: // code been used
      return new WechatApiError(text, 'invalid_code', false, errcode);
    case 45011: // API minute-quota reach limit, mustslower, retry next minute
      return new WechatApiError(text, 'rate_limited', true, errcode, 60);
    case -1: // system error / busy
      return new WechatApiError(text, 'busy', true, errcode, 1);
    case 40001: // invalid credential (access_token)
    case 42001: // access_token expired
      return new WechatApiError(text, 'token_expired', true, errcode);
    case 40226: // high risk user
      return new WechatApiError(text, 'blocked_user', false, errcode);
    case 40013: // invalid appid
    case 40125: // invalid appsecret
    case 41002: // appid missing
    case 41004: // appsecret missing
    case 48001: // api unauthorized
      return new WechatApiError(text, 'config', false, errcode);
    case 45009: // daily quota reached
      return new WechatApiError(text, 'rate_limited', true, errcode, 3600);
    default:
      return new WechatApiError(text, 'bad_answer', false, errcode);
  }
}

export interface WechatApiConfig {
  baseUrl: string;
  appId: string;
  appSecret: string;
  timeoutMs: number;
}

/** One call; network failures and non-JSON answers become retryable WechatApiErrors. */
async function call<T>(cfg: WechatApiConfig, api: string, url: URL, init: RequestInit = {}): Promise<T & { errcode?: number; errmsg?: string }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(cfg.timeoutMs) });
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${cfg.timeoutMs} ms` : (err.cause?.code ?? err.name ?? 'network error');
    throw new WechatApiError(`WeChat ${api} could not be reached: ${why}`, 'unavailable', true);
  }
  let body: T & { errcode?: number; errmsg?: string };
  try {
    // WeChat sometimes labels JSON as text/plain: parse the text, whatever the type says.
    body = JSON.parse(await res.text()) as typeof body;
  } catch (e) {
    const err = e as { name?: string };
    throw new WechatApiError(`WeChat ${api} answered HTTP ${res.status} with no JSON${err.name === 'TimeoutError' ? ' in time' : ''}`, 'unavailable', true);
  }
  if (typeof body?.errcode === 'number' && body.errcode !== 0) throw classifyErrcode(body.errcode, String(body.errmsg ?? ''), api);
  if (!res.ok) throw new WechatApiError(`WeChat ${api} answered HTTP ${res.status}`, 'unavailable', true);
  return body;
}

export interface WechatSession {
  openid: string;
  unionid?: string;
  /** The user's session key: for the server only (decrypting signed user data), never sent to a client or a log. */
  sessionKey: string;
}

/** jscode2session: the code from wx.login() → the user's openid. A code works once, for 5 minutes. */
export async function jscode2session(cfg: WechatApiConfig, code: string): Promise<WechatSession> {
  const url = new URL('/sns/jscode2session', cfg.baseUrl);
  url.search = new URLSearchParams({ appid: cfg.appId, secret: cfg.appSecret, js_code: code, grant_type: 'authorization_code' }).toString();
  const body = await call<{ openid?: string; session_key?: string; unionid?: string }>(cfg, 'jscode2session', url);
  if (typeof body.openid !== 'string' || !body.openid || typeof body.session_key !== 'string' || !body.session_key) {
    throw new WechatApiError('WeChat jscode2session answered without openid or session_key', 'bad_answer', false);
  }
  return { openid: body.openid, sessionKey: body.session_key, ...(typeof body.unionid === 'string' && body.unionid ? { unionid: body.unionid } : {}) };
}

/** The app's access token (stable_token: the same token to every caller until it expires). */
export async function stableToken(cfg: WechatApiConfig, forceRefresh = false): Promise<{ token: string; expiresInSeconds: number }> {
  const body = await call<{ access_token?: string; expires_in?: number }>(cfg, 'stable_token', new URL('/cgi-bin/stable_token', cfg.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credential', appid: cfg.appId, secret: cfg.appSecret, force_refresh: forceRefresh }),
  });
  if (typeof body.access_token !== 'string' || !body.access_token || !Number.isInteger(body.expires_in)) throw new WechatApiError('WeChat stable_token answered without access_token', 'bad_answer', false);
  return { token: body.access_token, expiresInSeconds: body.expires_in! };
}

/** getuserphonenumber: the code from the getPhoneNumber button → the user's mainland number. */
export async function userPhoneNumber(cfg: WechatApiConfig, accessToken: string, phoneCode: string): Promise<string> {
  const url = new URL('/wxa/business/getuserphonenumber', cfg.baseUrl);
  url.search = new URLSearchParams({ access_token: accessToken }).toString();
  const body = await call<{ phone_info?: { purePhoneNumber?: string; countryCode?: string; watermark?: { appid?: string } } }>(cfg, 'getuserphonenumber', url, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: phoneCode }),
  });
  const info = body.phone_info;
  if (!info || typeof info.purePhoneNumber !== 'string') throw new WechatApiError('WeChat getuserphonenumber answered without phone_info', 'bad_answer', false);
  // The watermark names the app the number was given to: a number obtained for another app is not ours.
  if (info.watermark?.appid !== cfg.appId) throw new WechatApiError('WeChat getuserphonenumber: the watermark names another app', 'bad_answer', false);
  if (info.countryCode !== '86') throw new WechatApiError(`WeChat getuserphonenumber: a number of country ${info.countryCode}, not mainland China`, 'bad_answer', false);
  if (!/^1[3-9]\d{9}$/.test(info.purePhoneNumber)) throw new WechatApiError('WeChat getuserphonenumber: not a mainland mobile number', 'bad_answer', false);
  return info.purePhoneNumber;
}
