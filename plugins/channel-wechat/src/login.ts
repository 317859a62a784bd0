/**
 * The mini-program login: the code from wx.login() is exchanged for the user's openid
 * (jscode2session), the code from the getPhoneNumber button for the user's number
 * (getuserphonenumber, with the app's access token, cached until shortly before it expires
 * and fetched again once if WeChat says it expired), and the party gets a single-use launch
 * token that opens the party app (checked by verifyToken).
 */
import { jscode2session, stableToken, userPhoneNumber, WechatApiError, type WechatApiConfig, type WechatSession } from './wechatApi.ts';

export interface WechatLoginResult {
  openid: string;
  unionid?: string;
  phone: string;
  /** Opens the party app once (…/m/<tenant>?channel=wechat_miniprogram&token=…). */
  launchToken: string;
}

export interface WechatLogin {
  exchangeCode(code: string): Promise<WechatSession>;
  login(input: { code: string; phoneCode: string }, now: Date): Promise<WechatLoginResult>;
}

/** A token is fetched again this long before WeChat says it expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;
const CODE_RE = /^[A-Za-z0-9_-]{8,128}$/;

export function createWechatLogin(cfg: WechatApiConfig, issue: (party: { phone: string; sub: string }, now: Date) => string): WechatLogin {
  let cached: { token: string; expiresAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function accessToken(now: Date, force: boolean): Promise<string> {
    if (!force && cached && cached.expiresAtMs - TOKEN_MARGIN_MS > now.getTime()) return cached.token;
    // One fetch at a time: parallel logins share it.
    inFlight ??= stableToken(cfg, force).then((t) => {
      cached = { token: t.token, expiresAtMs: now.getTime() + t.expiresInSeconds * 1000 };
      return t.token;
    }).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function checkCode(code: unknown, what: string): asserts code is string {
    if (typeof code !== 'string' || !CODE_RE.test(code)) throw new WechatApiError(`the ${what} is not a WeChat code`, 'invalid_code', false);
  }

  return {
    async exchangeCode(code) {
      checkCode(code, 'login code');
      return jscode2session(cfg, code);
    },
    async login({ code, phoneCode }, now) {
      checkCode(code, 'login code');
      checkCode(phoneCode, 'phone code');
      const session = await jscode2session(cfg, code);
      let phone: string;
      try {
        phone = await userPhoneNumber(cfg, await accessToken(now, false), phoneCode);
      } catch (e) {
        if (!(e instanceof WechatApiError) || e.reason !== 'token_expired') throw e;
        cached = undefined;
        phone = await userPhoneNumber(cfg, await accessToken(now, true), phoneCode);
      }
      return { openid: session.openid, ...(session.unionid ? { unionid: session.unionid } : {}), phone, launchToken: issue({ phone, sub: session.openid }, now) };
    },
  };
}
