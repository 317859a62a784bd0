/**
 * Aliyun SMS adapter (port `sms`): SendSms of Dysmsapi 2017-05-25 through Aliyun's own SDK
 * (@alicloud/dysmsapi20170525 on @alicloud/openapi-core, which signs with ACS3-HMAC-SHA256),
 * pointed at a configurable endpoint. Each message kind maps to an approved template; its
 * variables come by name from the message (@kuaichu/core/sms). A failed send throws an
 * SmsSendError that says whether to retry (codes.ts). OutId carries the outbox message's id,
 * which Aliyun echoes in the SmsReport push (receipts.ts).
 */
import Dysmsapi, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { definePlugin, type PluginContext } from '@kuaichu/core/ports';
import { systemClock } from '@kuaichu/core/clock';
import { createGatewayAdapter, outIdOf, secretFrom, type GatewayAdapter } from '@kuaichu/core/sms';
import type { SmsAliyunOptions } from '@kuaichu/core/generated/types.ts';
import { classifyAliyunCode, classifyAliyunThrow } from './codes.ts';
import { parseSmsReport, SMS_REPORT_ACK } from './receipts.ts';

export { SmsSendError, isSmsSendError, ReceiptRefused, takesReceipts, DEFAULT_PARAMS, type SmsFailure, type SmsDeliveryReport } from '@kuaichu/core/sms';
export { parseSmsReport } from './receipts.ts';

export const DEFAULT_ENDPOINT = 'dysmsapi.aliyuncs.com';
export const DEFAULT_TIMEOUT_MS = 5000;

export function createSmsAliyun(options: SmsAliyunOptions, ctx: PluginContext): GatewayAdapter {
  const clock = ctx.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new Dysmsapi.default(new $OpenApiUtil.Config({
    accessKeyId: secretFrom(ctx, 'sms-aliyun', options.accessKeyIdEnv, 'AccessKey ID of the RAM user'),
    accessKeySecret: secretFrom(ctx, 'sms-aliyun', options.accessKeySecretEnv, 'AccessKey secret of the RAM user'),
    endpoint: options.endpoint ?? DEFAULT_ENDPOINT,
    protocol: options.protocol ?? 'https',
    connectTimeout: timeoutMs,
    readTimeout: timeoutMs,
  }));
  return createGatewayAdapter({
    plugin: 'sms-aliyun', vendor: 'aliyun', vendorName: 'Aliyun', templates: options.templates, receiptTokenEnv: options.receiptTokenEnv,
    parseReceipts: parseSmsReport, ack: SMS_REPORT_ACK,
    async deliver(message, template, params) {
      const request = new SendSmsRequest({
        phoneNumbers: message.to,
        signName: template.signName ?? options.signName,
        templateCode: template.templateCode,
        templateParam: JSON.stringify(Object.fromEntries(params)),
        // Echoed in the SmsReport push: the receipt names its outbox message.
        outId: outIdOf(message),
      });
      let body: { code?: string; message?: string; bizId?: string; requestId?: string } | undefined;
      try {
        body = (await client.sendSms(request)).body;
      } catch (e) {
        throw classifyAliyunThrow(e, clock.now());
      }
      if (body?.code !== 'OK' || !body.bizId) throw classifyAliyunCode(body?.code ?? '', body?.message ?? '', body?.requestId, clock.now());
      return { id: body.bizId, requestId: body.requestId };
    },
  }, ctx);
}

export const smsAliyun = definePlugin({
  name: 'sms-aliyun',
  port: 'sms',
  create: (options, ctx) => createSmsAliyun(options as unknown as SmsAliyunOptions, ctx),
});

export default smsAliyun;
