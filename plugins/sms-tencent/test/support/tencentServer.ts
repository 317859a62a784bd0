/**
 * A local Tencent Cloud SMS endpoint (SendSms, API 2021-01-11) that behaves as Tencent
 * documents it, for the contract test. It verifies TC3-HMAC-SHA256 from the published scheme,
 * not from the SDK's code:
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n hex(SHA-256(payload))
 *     CanonicalHeaders: the headers SignedHeaders names (content-type and host at least), names and
 *       values lower-case and trimmed, each "name:value\n"; SignedHeaders: the names joined by ";"
 *   CredentialScope = Date "/" service "/tc3_request", Date the UTC day of X-TC-Timestamp, service "sms"
 *   StringToSign = "TC3-HMAC-SHA256\n" + X-TC-Timestamp + "\n" + CredentialScope + "\n" + hex(SHA-256(CanonicalRequest))
 *   SecretDate = HMAC("TC3" + SecretKey, Date), SecretService = HMAC(SecretDate, service),
 *   SecretSigning = HMAC(SecretService, "tc3_request"), Signature = hex(HMAC(SecretSigning, StringToSign))
 *   Authorization: TC3-HMAC-SHA256 Credential=SecretId/CredentialScope, SignedHeaders=…, Signature=…
 * plus X-TC-Timestamp within 5 minutes. Errors come back HTTP 200 as Response.Error with
 * Tencent's codes; per-number outcomes in SendStatusSet: Ok, LimitExceeded.PhoneNumberDailyLimit
 * (dailyLimit a number a day), InvalidParameterValue.IncorrectPhoneNumber; a template or sign
 * not approved: FailedOperation.TemplateIncorrectOrUnapproved / SignatureIncorrectOrUnapproved.
 * It can time out, drop connections, answer 502 or be down (@kuaichu/testkit/fakeGateway); its
 * daily limit runs on `now` (a test may pass its clock).
 */
import { createHash, createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Agent, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { FakeGateway, jsonAnswer, type GatewayAnswer } from '@kuaichu/testkit/fakeGateway';

export interface SentSms {
  serialNo: string;
  phone: string;
  appId: string;
  signName: string;
  templateId: string;
  params: string[];
  sessionContext: string | undefined;
  at: number;
}

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();

export class FakeTencentSms extends FakeGateway {
  /** The host name clients use; the signing service is its first label. */
  static readonly HOST = 'sms.kuaichu.test';
  readonly sent: SentSms[] = [];
  dailyLimit = 10;

  constructor(
    readonly keys: Record<string, string>,
    readonly appIds: string[],
    readonly signNames: string[],
    /** Template id → number of {n} variables. */
    readonly templates: Record<string, number>,
  ) {
    super();
  }

  /** An agent that takes the client to this server whatever host it asked for (no DNS needed). */
  agent(): Agent {
    const agent = new Agent({ keepAlive: true });
    (agent as unknown as { createConnection: () => Socket }).createConnection = () => connect(this.port, '127.0.0.1');
    return agent;
  }

  protected unavailable(): GatewayAnswer {
    const text = '<html><body>502 Bad Gateway</body></html>';
    return { status: 502, body: text, headers: { 'content-type': 'text/html', 'content-length': String(text.length) } };
  }

  protected answer(req: IncomingMessage, body: Buffer): GatewayAnswer {
    const requestId = randomUUID();
    const error = (Code: string, Message: string) => jsonAnswer(200, { Response: { Error: { Code, Message }, RequestId: requestId } });
    const auth = this.verify(req, body);
    if (auth) return error(auth[0], auth[1]);
    if (req.headers['x-tc-action'] !== 'SendSms' || req.headers['x-tc-version'] !== '2021-01-11') return error('InvalidAction', 'The action does not exist.');
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error('FailedOperation.JsonParseFail', '解析请求包体时候失败。');
    }
    if (!this.appIds.includes(String(p.SmsSdkAppId))) return error('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId不存在。');
    if (!this.signNames.includes(String(p.SignName))) return error('FailedOperation.SignatureIncorrectOrUnapproved', '签名未审批或格式错误。');
    const vars = this.templates[String(p.TemplateId)];
    if (vars === undefined) return error('FailedOperation.TemplateIncorrectOrUnapproved', '模板未审批或请求的内容与审核通过的模板内容不匹配。');
    const params = Array.isArray(p.TemplateParamSet) ? p.TemplateParamSet.map(String) : [];
    if (params.length !== vars) return error('InvalidParameterValue.TemplateParameterFormatError', '验证码模板参数格式错误。');
    const phones = Array.isArray(p.PhoneNumberSet) ? p.PhoneNumberSet.map(String) : [];
    if (phones.length === 0) return error('MissingParameter.EmptyPhoneNumberSet', '传入的号码列表为空。');
    const now = this.now();
    const day = Math.floor((now + 8 * 3_600_000) / 86_400_000);
    const SendStatusSet = phones.map((phone) => {
      const base = { PhoneNumber: phone, SessionContext: String(p.SessionContext ?? ''), IsoCode: 'CN' };
      if (!/^\+861[3-9]\d{9}$/.test(phone) || /^\+8614[0-4]/.test(phone)) {
        return { ...base, SerialNo: '', Fee: 0, Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: '手机号格式错误。' };
      }
      const today = this.sent.filter((s) => s.phone === phone && Math.floor((s.at + 8 * 3_600_000) / 86_400_000) === day).length;
      if (today >= this.dailyLimit) return { ...base, SerialNo: '', Fee: 0, Code: 'LimitExceeded.PhoneNumberDailyLimit', Message: '单个手机号日下发短信条数超过设定的上限。' };
      const serialNo = `2645:${String(now).slice(-10)}${String(randomInt(0, 1e9)).padStart(9, '0')}`;
      this.sent.push({ serialNo, phone, appId: String(p.SmsSdkAppId), signName: String(p.SignName), templateId: String(p.TemplateId), params, sessionContext: p.SessionContext as string | undefined, at: now });
      return { ...base, SerialNo: serialNo, Fee: 1, Code: 'Ok', Message: 'send success' };
    });
    return jsonAnswer(200, { Response: { SendStatusSet, RequestId: requestId } });
  }

  /** The published TC3 scheme, step by step; [code, message] when refused. */
  private verify(req: IncomingMessage, body: Buffer): [string, string] | null {
    const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
    if (!m) return ['AuthFailure.InvalidAuthorization', '请求头部的 Authorization 不符合腾讯云标准。'];
    const [, secretId, date, service, signedList, signature] = m as unknown as [string, string, string, string, string, string];
    const secretKey = this.keys[secretId];
    if (!secretKey) return ['AuthFailure.SecretIdNotFound', '密钥不存在。'];
    const ts = Number(req.headers['x-tc-timestamp']);
    if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return ['AuthFailure.SignatureExpire', '签名过期。Timestamp 和服务器时间相差不得超过五分钟。'];
    if (new Date(ts * 1000).toISOString().slice(0, 10) !== date || service !== 'sms') return ['AuthFailure.SignatureFailure', '请求签名验证失败：凭证范围（日期或服务）不对。'];
    const signed = signedList.split(';');
    if (!signed.includes('content-type') || !signed.includes('host') || signed.some((h) => req.headers[h] === undefined)) return ['AuthFailure.SignatureFailure', '请求签名验证失败：签名头部须包含 content-type 和 host。'];
    const canonicalHeaders = signed.map((h) => `${h}:${String(req.headers[h]).trim().toLowerCase()}\n`).join('');
    const [path, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
    const canonicalRequest = [req.method, path, query, canonicalHeaders, signedList, sha256(body)].join('\n');
    const scope = `${date}/${service}/tc3_request`;
    const stringToSign = ['TC3-HMAC-SHA256', String(ts), scope, sha256(canonicalRequest)].join('\n');
    const signing = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request');
    if (!timingSafeEqual(hmac(signing, stringToSign), Buffer.from(signature, 'hex'))) return ['AuthFailure.SignatureFailure', '请求签名验证失败，请检查您的签名计算是否正确。'];
    return null;
  }

  /** The status callback Tencent would make for a message sent here. */
  callback(serialNo: string, delivered: boolean, receiveTime: string): Record<string, unknown> {
    const s = this.sent.find((x) => x.serialNo === serialNo);
    if (!s) throw new Error(`no message ${serialNo}`);
    return {
      user_receive_time: receiveTime, nationcode: '86', mobile: s.phone.replace(/^\+86/, ''),
      report_status: delivered ? 'SUCCESS' : 'FAIL', errmsg: delivered ? 'DELIVRD' : 'MK:0001', description: delivered ? '用户短信送达成功' : '用户短信接收失败', sid: serialNo,
    };
  }
}
