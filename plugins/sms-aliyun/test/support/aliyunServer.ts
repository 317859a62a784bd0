/**
 * A local Dysmsapi (SendSms) that behaves as Aliyun documents it, for the contract test.
 * It verifies the V3 request signature (ACS3-HMAC-SHA256) from the published scheme, not
 * from the SDK's code:
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
 *     CanonicalQueryString: parameters sorted by name, names and values percent-encoded (RFC 3986:
 *       A–Z a–z 0–9 - _ . ~ kept, space → %20), "name=value" joined by "&"
 *     CanonicalHeaders: host, content-type (when sent) and every x-acs-* header, names lower-case,
 *       values trimmed, sorted by name, each "name:value\n"; SignedHeaders: their names joined by ";"
 *     HashedRequestPayload: hex SHA-256 of the body (equal to x-acs-content-sha256)
 *   StringToSign = "ACS3-HMAC-SHA256\n" + hex(SHA-256(CanonicalRequest))
 *   Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<…>,Signature=hex(HMAC-SHA256(secret, StringToSign))
 * plus x-acs-date within 15 minutes and x-acs-signature-nonce used once. It answers with
 * Aliyun's codes: OK, isv.BUSINESS_LIMIT_CONTROL (1 a minute, 5 an hour per number),
 * isv.SMS_TEMPLATE_ILLEGAL, isv.SMS_SIGNATURE_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS,
 * isv.MOBILE_NUMBER_ILLEGAL; and can time out, drop connections, answer 503 or be down
 * (@kuaichu/testkit/fakeGateway). Its rate limits run on `now` (a test may pass its clock).
 */
import { createHash, createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FakeGateway, jsonAnswer, type GatewayAnswer } from '@kuaichu/testkit/fakeGateway';

export interface AliyunTemplateDef {
  params: string[];
}

export interface SentSms {
  bizId: string;
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  outId: string | undefined;
  at: number;
}

const ENC_KEEP = /[A-Za-z0-9\-_.~]/;
/** RFC 3986 percent-encoding of UTF-8 bytes. */
export function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ENC_KEEP.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

export class FakeAliyunSms extends FakeGateway {
  readonly sent: SentSms[] = [];
  private readonly nonces = new Set<string>();

  constructor(
    readonly keys: Record<string, string>,
    readonly signNames: string[],
    readonly templates: Record<string, AliyunTemplateDef>,
  ) {
    super();
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  protected unavailable(): GatewayAnswer {
    return this.reply(503, { Code: 'ServiceUnavailable', Message: 'The request has failed due to a temporary failure of the server.' });
  }

  protected answer(req: IncomingMessage, body: Buffer): GatewayAnswer {
    const rawUrl = req.url ?? '/';
    const [path, rawQuery = ''] = rawUrl.split('?', 2) as [string, string?];
    const query = new Map<string, string>();
    for (const pair of rawQuery.split('&').filter(Boolean)) {
      const i = pair.indexOf('=');
      query.set(decodeURIComponent(i < 0 ? pair : pair.slice(0, i)), decodeURIComponent(i < 0 ? '' : pair.slice(i + 1)));
    }
    const auth = this.verify(req, path, query, body);
    if (auth) return this.reply(auth.status, { Code: auth.code, Message: auth.message, Recommend: 'https://api.aliyun.com/troubleshoot' });
    if (req.headers['x-acs-action'] !== 'SendSms' || req.headers['x-acs-version'] !== '2017-05-25') {
      return this.reply(404, { Code: 'InvalidAction.NotFound', Message: 'Specified api is not found, please check your url and method.' });
    }
    return this.reply(200, this.sendSms(query));
  }

  /** The published V3 scheme, checked step by step; null when the request is signed right. */
  private verify(req: IncomingMessage, path: string, query: Map<string, string>, body: Buffer): { status: number; code: string; message: string } | null {
    const incomplete = (why: string) => ({ status: 400, code: 'IncompleteSignature', message: `The request signature does not conform to Aliyun standards. ${why}` });
    const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
    if (!m) return incomplete('Authorization is not ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…');
    const [, keyId, signedList, signature] = m as unknown as [string, string, string, string];
    const secret = this.keys[keyId];
    if (!secret) return { status: 404, code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' };
    const signed = signedList.split(';');
    const mustSign = Object.keys(req.headers).filter((h) => h.startsWith('x-acs-') || h === 'host' || h === 'content-type');
    for (const h of ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
      if (!req.headers[h]) return incomplete(`header ${h} is missing`);
    }
    for (const h of mustSign) if (!signed.includes(h)) return incomplete(`header ${h} is not signed`);
    if ([...signed].sort().join(';') !== signedList || signed.some((h) => h !== h.toLowerCase() || req.headers[h] === undefined)) return incomplete('SignedHeaders are not the sorted lower-case names of sent headers');
    const payloadHash = sha256(body);
    if (req.headers['x-acs-content-sha256'] !== payloadHash) return { status: 400, code: 'SignatureDoesNotMatch', message: 'x-acs-content-sha256 is not the SHA-256 of the body.' };
    const canonicalQuery = [...query.entries()].map(([k, v]) => [percentEncode(k), percentEncode(v)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
    const canonicalHeaders = signed.map((h) => `${h}:${String(req.headers[h]).trim()}\n`).join('');
    const canonicalRequest = [req.method, path || '/', canonicalQuery, canonicalHeaders, signedList, payloadHash].join('\n');
    const stringToSign = `ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`;
    const expected = createHmac('sha256', secret).update(stringToSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { status: 400, code: 'SignatureDoesNotMatch', message: 'Specified signature is not matched with our calculation.' };
    const date = Date.parse(String(req.headers['x-acs-date']));
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(String(req.headers['x-acs-date'])) || Number.isNaN(date) || Math.abs(Date.now() - date) > 15 * 60_000) {
      return { status: 400, code: 'InvalidTimeStamp.Expired', message: 'Specified time stamp or date value is expired.' };
    }
    const nonce = String(req.headers['x-acs-signature-nonce']);
    if (this.nonces.has(nonce)) return { status: 400, code: 'SignatureNonceUsed', message: 'Specified signature nonce was used already.' };
    this.nonces.add(nonce);
    return null;
  }

  private sendSms(q: Map<string, string>): Record<string, string> {
    const requestId = randomUUID().toUpperCase();
    const refuse = (Code: string, Message: string) => ({ Code, Message, RequestId: requestId });
    const phone = q.get('PhoneNumbers') ?? '';
    const signName = q.get('SignName') ?? '';
    const code = q.get('TemplateCode') ?? '';
    if (!phone || !signName || !code) return refuse('isv.INVALID_PARAMETERS', '参数异常');
    // Mainland numbers only, and not the data-only / unallocated 140–144 segments.
    if (!/^(?:\+?86)?1[3-9]\d{9}$/.test(phone) || /^(?:\+?86)?14[0-4]/.test(phone)) return refuse('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (!this.signNames.includes(signName)) return refuse('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    const template = this.templates[code];
    if (!template) return refuse('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    let params: Record<string, string>;
    try {
      params = JSON.parse(q.get('TemplateParam') ?? '{}') as Record<string, string>;
    } catch {
      return refuse('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    if (template.params.some((p) => typeof params[p] !== 'string' || params[p] === '')) return refuse('isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
    const now = this.now();
    const mine = this.sent.filter((s) => s.phone === phone);
    if (mine.some((s) => now - s.at < 60_000)) return refuse('isv.BUSINESS_LIMIT_CONTROL', '触发分钟级流控Permits:1');
    if (mine.filter((s) => now - s.at < 3_600_000).length >= 5) return refuse('isv.BUSINESS_LIMIT_CONTROL', '触发小时级流控Permits:5');
    const bizId = `${String(now).slice(-9)}${String(randomInt(0, 1e9)).padStart(9, '0')}^0`;
    this.sent.push({ bizId, phone, signName, templateCode: code, params, outId: q.get('OutId'), at: now });
    return { Code: 'OK', Message: 'OK', BizId: bizId, RequestId: requestId };
  }

  /** The SmsReport push Aliyun would make for a message sent here. */
  report(bizId: string, delivered: boolean, reportTime: string): Record<string, unknown> {
    const s = this.sent.find((x) => x.bizId === bizId);
    if (!s) throw new Error(`no message ${bizId}`);
    return {
      phone_number: s.phone, send_time: reportTime, report_time: reportTime, success: delivered,
      err_code: delivered ? 'DELIVERED' : 'MK:0001', err_msg: delivered ? '用户接收成功' : '用户接收失败',
      sms_size: '1', biz_id: bizId, out_id: s.outId,
    };
  }

  private reply(status: number, body: object): GatewayAnswer {
    return jsonAnswer(status, body, { 'x-acs-request-id': (body as { RequestId?: string }).RequestId ?? randomUUID() });
  }
}
