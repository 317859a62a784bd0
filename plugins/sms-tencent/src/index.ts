/**
 * Tencent Cloud SMS adapter (port `sms`): SendSms of API 2021-01-11 through Tencent's own SDK
 * (tencentcloud-sdk-nodejs-sms, which signs with TC3-HMAC-SHA256), pointed at a configurable
 * endpoint. Each message kind maps to an approved template; its variables ({1}, {2} …) come
 * from the message (templates.ts). A failed send throws an SmsSendError that says whether to
 * retry (outcome.ts, codes.ts). Delivery receipts arrive by the status callback and are handed
 * in through `acceptReceipts` (receipts.ts).
 */
import type { Agent } from 'node:http';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import { definePlugin, type PluginContext, type SmsKind, type SmsPort, type SmsReceipt } from '@kuaichu/core/ports';
import { systemClock } from '@kuaichu/core/clock';
import type { SmsTencentOptions, TencentTemplate } from '@kuaichu/core/generated/types.ts';
import { classifyTencentCode, classifyTencentThrow } from './codes.ts';
import { maskPhone, SmsSendError } from './outcome.ts';
import { checkReceiptToken, parseStatusCallback, STATUS_CALLBACK_ACK, type SmsDeliveryReport } from './receipts.ts';
import { templateParams, type TemplatedSmsMessage } from './templates.ts';

export { SmsSendError, isSmsSendError, type SmsFailure } from './outcome.ts';
export { ReceiptRefused, type SmsDeliveryReport } from './receipts.ts';
export { DEFAULT_PARAMS, type TemplatedSmsMessage } from './templates.ts';

export const DEFAULT_ENDPOINT = 'sms.tencentcloudapi.com';
export const DEFAULT_REGION = 'ap-guangzhou';
export const DEFAULT_TIMEOUT_MS = 5000;
const MOBILE_RE = /^1[3-9]\d{9}$/;
const SmsClient = tencentcloud.sms.v20210111.Client;

export interface SmsReceiptsIntake {
  /**
   * Takes one status callback as Tencent sent it: checks the token its URL carries, parses,
   * hands each report to the listeners, and returns the body Tencent expects.
   * Throws ReceiptRefused (status 400/401) for a callback to refuse.
   */
  acceptReceipts(body: unknown, auth: { token?: string | null }): Promise<{ reports: SmsDeliveryReport[]; ack: unknown }>;
  /** Called for every accepted report (core stores them); returns the unsubscribe. */
  onReceipt(listener: (report: SmsDeliveryReport) => void | Promise<void>): () => void;
}

export interface SmsTencentAdapter extends SmsPort, SmsReceiptsIntake {}

/** True when an SMS port takes delivery receipts (the Aliyun and Tencent adapters do). */
export function takesReceipts(port: SmsPort): port is SmsPort & SmsReceiptsIntake {
  return typeof (port as Partial<SmsReceiptsIntake>).acceptReceipts === 'function';
}

function secretFrom(ctx: PluginContext, name: string, what: string): string {
  const v = ctx.env[name];
  if (!v) throw new Error(`sms-tencent: environment variable ${name} is not set; it must hold the ${what} of the CAM user that sends SMS for tenant ${ctx.tenant}`);
  return v;
}

interface SendStatus {
  SerialNo?: string;
  PhoneNumber?: string;
  Code?: string;
  Message?: string;
}

/**
 * `deps.agent`: the HTTP agent the SDK connects through (a proxy, or a test's local counterpart:
 * the SDK takes the signing service from the endpoint's first label, so the host must stay sms.…).
 */
export function createSmsTencent(options: SmsTencentOptions, ctx: PluginContext, deps: { agent?: Agent } = {}): SmsTencentAdapter {
  const clock = ctx.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new SmsClient({
    credential: { secretId: secretFrom(ctx, options.secretIdEnv, 'SecretId'), secretKey: secretFrom(ctx, options.secretKeyEnv, 'SecretKey') },
    region: options.region ?? DEFAULT_REGION,
    profile: {
      signMethod: 'TC3-HMAC-SHA256',
      httpProfile: {
        endpoint: options.endpoint ?? DEFAULT_ENDPOINT,
        protocol: `${options.protocol ?? 'https'}://`,
        reqMethod: 'POST',
        reqTimeout: timeoutMs / 1000,
        ...(deps.agent ? { agent: deps.agent } : {}),
      },
    },
  });
  const receiptToken = options.receiptTokenEnv ? ctx.env[options.receiptTokenEnv] : undefined;
  if (options.receiptTokenEnv && !receiptToken) ctx.log.warn({ plugin: 'sms-tencent', tenant: ctx.tenant, env: options.receiptTokenEnv }, 'receipt token variable is not set: status callbacks will be refused');
  const listeners = new Set<(r: SmsDeliveryReport) => void | Promise<void>>();

  function refuse(message: TemplatedSmsMessage, err: SmsSendError): never {
    ctx.log.warn(
      { plugin: 'sms-tencent', tenant: message.tenant, to: maskPhone(String(message.to)), kind: message.kind, caseId: message.caseId, failure: err.failure, retryable: err.retryable, maybeSent: err.maybeSent, vendorCode: err.vendorCode, requestId: err.requestId },
      `sms not sent: ${err.message}`,
    );
    throw err;
  }

  return {
    async send(message: TemplatedSmsMessage): Promise<SmsReceipt> {
      if (message.tenant !== ctx.tenant) refuse(message, new SmsSendError(`message for tenant "${message.tenant}" sent through the account of tenant "${ctx.tenant}"`, 'config', false));
      if (typeof message.to !== 'string' || !MOBILE_RE.test(message.to)) refuse(message, new SmsSendError('the recipient is not a mainland mobile number', 'invalid_recipient', false));
      const template: TencentTemplate | undefined = options.templates[message.kind as SmsKind];
      if (!template) refuse(message, new SmsSendError(`no template is configured for messages of kind "${message.kind}"`, 'config', false));
      let params: Array<[string, string]>;
      try {
        params = templateParams(message, template.params);
      } catch (e) {
        refuse(message, e as SmsSendError);
      }
      let res: { SendStatusSet?: SendStatus[]; RequestId?: string };
      try {
        res = await client.SendSms({
          SmsSdkAppId: options.sdkAppId,
          SignName: template.signName ?? options.signName,
          TemplateId: template.templateId,
          // Positional: {1}, {2} … in the template's order.
          TemplateParamSet: params.map(([, v]) => v),
          PhoneNumberSet: [`+86${message.to}`],
          SessionContext: message.caseId ? `${message.kind}:${message.caseId}` : message.kind,
        });
      } catch (e) {
        refuse(message, classifyTencentThrow(e, clock.now()));
      }
      const status = res.SendStatusSet?.find((s) => s.PhoneNumber === `+86${message.to}`) ?? res.SendStatusSet?.[0];
      if (status?.Code !== 'Ok' || !status.SerialNo) refuse(message, classifyTencentCode(status?.Code ?? '', status?.Message ?? '', res.RequestId, clock.now()));
      ctx.log.info({ plugin: 'sms-tencent', tenant: message.tenant, to: maskPhone(message.to), kind: message.kind, caseId: message.caseId, id: status.SerialNo, requestId: res.RequestId }, 'sms accepted by Tencent Cloud');
      return { id: status.SerialNo, acceptedAt: clock.now() };
    },

    async acceptReceipts(body, auth) {
      checkReceiptToken(receiptToken, auth.token);
      const reports = parseStatusCallback(body);
      for (const r of reports) for (const l of listeners) await l(r);
      ctx.log.info({ plugin: 'sms-tencent', tenant: ctx.tenant, reports: reports.length, undelivered: reports.filter((r) => !r.delivered).length }, 'sms receipts taken');
      return { reports, ack: STATUS_CALLBACK_ACK };
    },

    onReceipt(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

export const smsTencent = definePlugin({
  name: 'sms-tencent',
  port: 'sms',
  create: (options, ctx) => createSmsTencent(options as unknown as SmsTencentOptions, ctx),
});

export default smsTencent;
