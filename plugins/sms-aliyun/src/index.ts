/**
 * Aliyun SMS adapter (port `sms`): SendSms of Dysmsapi 2017-05-25 through Aliyun's own SDK
 * (@alicloud/dysmsapi20170525 on @alicloud/openapi-core, which signs with ACS3-HMAC-SHA256),
 * pointed at a configurable endpoint. Each message kind maps to an approved template; its
 * variables come from the message (templates.ts). A failed send throws an SmsSendError that
 * says whether to retry (outcome.ts, codes.ts). Delivery receipts arrive by SmsReport push and
 * are handed in through `acceptReceipts` (receipts.ts).
 */
import Dysmsapi, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { definePlugin, type PluginContext, type SmsKind, type SmsPort, type SmsReceipt } from '@kuaichu/core/ports';
import { systemClock } from '@kuaichu/core/clock';
import type { AliyunTemplate, SmsAliyunOptions } from '@kuaichu/core/generated/types.ts';
import { classifyAliyunCode, classifyAliyunThrow } from './codes.ts';
import { maskPhone, SmsSendError } from './outcome.ts';
import { checkReceiptToken, parseSmsReport, SMS_REPORT_ACK, type SmsDeliveryReport } from './receipts.ts';
import { templateParams, type TemplatedSmsMessage } from './templates.ts';

export { SmsSendError, isSmsSendError, type SmsFailure } from './outcome.ts';
export { ReceiptRefused, type SmsDeliveryReport } from './receipts.ts';
export { DEFAULT_PARAMS, type TemplatedSmsMessage } from './templates.ts';

export const DEFAULT_ENDPOINT = 'dysmsapi.aliyuncs.com';
export const DEFAULT_TIMEOUT_MS = 5000;
const MOBILE_RE = /^1[3-9]\d{9}$/;

export interface SmsReceiptsIntake {
  /**
   * Takes one receipt push as the counterpart sent it: checks the token its URL carries,
   * parses, hands each report to the listeners, and returns the body the pusher expects.
   * Throws ReceiptRefused (status 400/401) for a push to refuse.
   */
  acceptReceipts(body: unknown, auth: { token?: string | null }): Promise<{ reports: SmsDeliveryReport[]; ack: unknown }>;
  /** Called for every accepted report (core stores them); returns the unsubscribe. */
  onReceipt(listener: (report: SmsDeliveryReport) => void | Promise<void>): () => void;
}

export interface SmsAliyunAdapter extends SmsPort, SmsReceiptsIntake {}

/** True when an SMS port takes delivery receipts (the Aliyun and Tencent adapters do). */
export function takesReceipts(port: SmsPort): port is SmsPort & SmsReceiptsIntake {
  return typeof (port as Partial<SmsReceiptsIntake>).acceptReceipts === 'function';
}

function secretFrom(ctx: PluginContext, name: string, what: string): string {
  const v = ctx.env[name];
  if (!v) throw new Error(`sms-aliyun: environment variable ${name} is not set; it must hold the ${what} of the RAM user that sends SMS for tenant ${ctx.tenant}`);
  return v;
}

export function createSmsAliyun(options: SmsAliyunOptions, ctx: PluginContext): SmsAliyunAdapter {
  const clock = ctx.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new Dysmsapi.default(new $OpenApiUtil.Config({
    accessKeyId: secretFrom(ctx, options.accessKeyIdEnv, 'AccessKey ID'),
    accessKeySecret: secretFrom(ctx, options.accessKeySecretEnv, 'AccessKey secret'),
    endpoint: options.endpoint ?? DEFAULT_ENDPOINT,
    protocol: options.protocol ?? 'https',
    connectTimeout: timeoutMs,
    readTimeout: timeoutMs,
  }));
  const receiptToken = options.receiptTokenEnv ? ctx.env[options.receiptTokenEnv] : undefined;
  if (options.receiptTokenEnv && !receiptToken) ctx.log.warn({ plugin: 'sms-aliyun', tenant: ctx.tenant, env: options.receiptTokenEnv }, 'receipt token variable is not set: SmsReport pushes will be refused');
  const listeners = new Set<(r: SmsDeliveryReport) => void | Promise<void>>();

  function refuse(message: TemplatedSmsMessage, err: SmsSendError): never {
    ctx.log.warn(
      { plugin: 'sms-aliyun', tenant: message.tenant, to: maskPhone(String(message.to)), kind: message.kind, caseId: message.caseId, failure: err.failure, retryable: err.retryable, maybeSent: err.maybeSent, vendorCode: err.vendorCode, requestId: err.requestId },
      `sms not sent: ${err.message}`,
    );
    throw err;
  }

  return {
    async send(message: TemplatedSmsMessage): Promise<SmsReceipt> {
      if (message.tenant !== ctx.tenant) refuse(message, new SmsSendError(`message for tenant "${message.tenant}" sent through the account of tenant "${ctx.tenant}"`, 'config', false));
      if (typeof message.to !== 'string' || !MOBILE_RE.test(message.to)) refuse(message, new SmsSendError('the recipient is not a mainland mobile number', 'invalid_recipient', false));
      const template: AliyunTemplate | undefined = options.templates[message.kind as SmsKind];
      if (!template) refuse(message, new SmsSendError(`no template is configured for messages of kind "${message.kind}"`, 'config', false));
      let params: Array<[string, string]>;
      try {
        params = templateParams(message, template.params);
      } catch (e) {
        refuse(message, e as SmsSendError);
      }
      const request = new SendSmsRequest({
        phoneNumbers: message.to,
        signName: template.signName ?? options.signName,
        templateCode: template.templateCode,
        templateParam: JSON.stringify(Object.fromEntries(params)),
        // Comes back in the receipt: which kind of message for which case.
        outId: message.caseId ? `${message.kind}:${message.caseId}` : message.kind,
      });
      let body: { code?: string; message?: string; bizId?: string; requestId?: string } | undefined;
      try {
        body = (await client.sendSms(request)).body;
      } catch (e) {
        refuse(message, classifyAliyunThrow(e, clock.now()));
      }
      if (body?.code !== 'OK' || !body.bizId) {
        refuse(message, classifyAliyunCode(body?.code ?? '', body?.message ?? '', body?.requestId, clock.now()));
      }
      ctx.log.info({ plugin: 'sms-aliyun', tenant: message.tenant, to: maskPhone(message.to), kind: message.kind, caseId: message.caseId, id: body.bizId, requestId: body.requestId }, 'sms accepted by Aliyun');
      return { id: body.bizId, acceptedAt: clock.now() };
    },

    async acceptReceipts(body, auth) {
      checkReceiptToken(receiptToken, auth.token);
      const reports = parseSmsReport(body);
      for (const r of reports) for (const l of listeners) await l(r);
      ctx.log.info({ plugin: 'sms-aliyun', tenant: ctx.tenant, reports: reports.length, undelivered: reports.filter((r) => !r.delivered).length }, 'sms receipts taken');
      return { reports, ack: SMS_REPORT_ACK };
    },

    onReceipt(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

export const smsAliyun = definePlugin({
  name: 'sms-aliyun',
  port: 'sms',
  create: (options, ctx) => createSmsAliyun(options as unknown as SmsAliyunOptions, ctx),
});

export default smsAliyun;
