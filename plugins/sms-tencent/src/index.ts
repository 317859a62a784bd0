/**
 * Tencent Cloud SMS adapter (port `sms`): SendSms of API 2021-01-11 through Tencent's own SDK
 * (tencentcloud-sdk-nodejs-sms, which signs with TC3-HMAC-SHA256), pointed at a configurable
 * endpoint. Each message kind maps to an approved template; its variables ({1}, {2} …, in the
 * template's order) come by name from the message (@kuaichu/core/sms). A failed send throws an
 * SmsSendError that says whether to retry (codes.ts). Receipts arrive by the status callback
 * (receipts.ts), matched to the message by SerialNo.
 */
import type { Agent } from 'node:http';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import { definePlugin, type PluginContext } from '@kuaichu/core/ports';
import { systemClock } from '@kuaichu/core/clock';
import { createGatewayAdapter, outIdOf, secretFrom, type GatewayAdapter } from '@kuaichu/core/sms';
import type { SmsTencentOptions } from '@kuaichu/core/generated/types.ts';
import { classifyTencentCode, classifyTencentThrow } from './codes.ts';
import { parseStatusCallback, STATUS_CALLBACK_ACK } from './receipts.ts';

export { SmsSendError, isSmsSendError, ReceiptRefused, takesReceipts, DEFAULT_PARAMS, type SmsFailure, type SmsDeliveryReport } from '@kuaichu/core/sms';
export { parseStatusCallback } from './receipts.ts';

export const DEFAULT_ENDPOINT = 'sms.tencentcloudapi.com';
export const DEFAULT_REGION = 'ap-guangzhou';
export const DEFAULT_TIMEOUT_MS = 5000;
const SmsClient = tencentcloud.sms.v20210111.Client;

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
export function createSmsTencent(options: SmsTencentOptions, ctx: PluginContext, deps: { agent?: Agent } = {}): GatewayAdapter {
  const clock = ctx.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new SmsClient({
    credential: {
      secretId: secretFrom(ctx, 'sms-tencent', options.secretIdEnv, 'SecretId of the CAM user'),
      secretKey: secretFrom(ctx, 'sms-tencent', options.secretKeyEnv, 'SecretKey of the CAM user'),
    },
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
  return createGatewayAdapter({
    plugin: 'sms-tencent', vendor: 'tencent', vendorName: 'Tencent Cloud', templates: options.templates, receiptTokenEnv: options.receiptTokenEnv,
    parseReceipts: parseStatusCallback, ack: STATUS_CALLBACK_ACK,
    async deliver(message, template, params) {
      let res: { SendStatusSet?: SendStatus[]; RequestId?: string };
      try {
        res = await client.SendSms({
          SmsSdkAppId: options.sdkAppId,
          SignName: template.signName ?? options.signName,
          TemplateId: template.templateId,
          // Positional: {1}, {2} … in the template's order.
          TemplateParamSet: params.map(([, v]) => v),
          PhoneNumberSet: [`+86${message.to}`],
          SessionContext: outIdOf(message),
        });
      } catch (e) {
        throw classifyTencentThrow(e, clock.now());
      }
      const status = res.SendStatusSet?.find((s) => s.PhoneNumber === `+86${message.to}`) ?? res.SendStatusSet?.[0];
      if (status?.Code !== 'Ok' || !status.SerialNo) throw classifyTencentCode(status?.Code ?? '', status?.Message ?? '', res.RequestId, clock.now());
      return { id: status.SerialNo, requestId: res.RequestId };
    },
  }, ctx);
}

export const smsTencent = definePlugin({
  name: 'sms-tencent',
  port: 'sms',
  create: (options, ctx) => createSmsTencent(options as unknown as SmsTencentOptions, ctx),
});

export default smsTencent;
