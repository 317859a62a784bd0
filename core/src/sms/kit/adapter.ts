/**
 * The part every gateway adapter shares (sms-aliyun, sms-tencent): secrets from the
 * environment, the checks before a send (right tenant, a mainland number, a template for the
 * kind, its variables), log lines with the number masked, and the receipt intake (token, parse,
 * listeners, the vendor's ack). The adapter brings only the vendor's own request and answers
 * (`deliver`) and its receipt format (`parseReceipts`, `ack`).
 */
import type { PluginContext } from '../../ports/plugin.ts';
import type { SmsDeliveryReport, SmsKind, SmsMessage, SmsPort, SmsReceipt, SmsReceiptsIntake } from '../../ports/sms.ts';
import { maskPhone } from '../../privacy/mask.ts';
import { systemClock } from '../../clock.ts';
import { SmsSendError } from './outcome.ts';
import { checkReceiptToken } from './receipts.ts';
import { templateParams, type TemplateParamRule } from './templates.ts';

const MOBILE_RE = /^1[3-9]\d{9}$/;

export interface GatewayTemplate {
  signName?: string;
  params?: TemplateParamRule[];
}

export interface GatewaySpec<T extends GatewayTemplate> {
  plugin: string;
  vendor: SmsDeliveryReport['vendor'];
  /** For log lines: "Aliyun", "Tencent Cloud". */
  vendorName: string;
  templates: Partial<Record<SmsKind, T>>;
  receiptTokenEnv?: string | undefined;
  parseReceipts(body: unknown): SmsDeliveryReport[];
  /** What the pusher expects back once a batch is taken. */
  ack: unknown;
  /** Sends one checked message; returns the vendor's id; throws an SmsSendError. */
  deliver(message: SmsMessage, template: T, params: Array<[string, string]>): Promise<{ id: string; requestId?: string | undefined }>;
}

export type GatewayAdapter = SmsPort & SmsReceiptsIntake;

/** The environment variable's value, or a start-up error that names what it must hold. */
export function secretFrom(ctx: PluginContext, plugin: string, name: string, what: string): string {
  const v = ctx.env[name];
  if (!v) throw new Error(`${plugin}: environment variable ${name} is not set; it must hold the ${what} that sends SMS for tenant ${ctx.tenant}`);
  return v;
}

/** True when an SMS port takes delivery receipts (the gateway adapters do). */
export function takesReceipts(port: SmsPort): port is SmsPort & SmsReceiptsIntake {
  return typeof (port as Partial<SmsReceiptsIntake>).acceptReceipts === 'function';
}

/** The out-id a send carries: the outbox message's id, else kind and case. */
export function outIdOf(message: SmsMessage): string {
  return message.ref ?? (message.caseId ? `${message.kind}:${message.caseId}` : message.kind);
}

export function createGatewayAdapter<T extends GatewayTemplate>(spec: GatewaySpec<T>, ctx: PluginContext): GatewayAdapter {
  const clock = ctx.clock ?? systemClock;
  const receiptToken = spec.receiptTokenEnv ? ctx.env[spec.receiptTokenEnv] : undefined;
  if (spec.receiptTokenEnv && !receiptToken) ctx.log.warn({ plugin: spec.plugin, tenant: ctx.tenant, env: spec.receiptTokenEnv }, 'receipt token variable is not set: receipt pushes will be refused');
  const listeners = new Set<(r: SmsDeliveryReport) => void | Promise<void>>();

  function refuse(message: SmsMessage, err: SmsSendError): never {
    ctx.log.warn(
      { plugin: spec.plugin, tenant: message.tenant, to: maskPhone(String(message.to)), kind: message.kind, caseId: message.caseId, ref: message.ref, failure: err.failure, retryable: err.retryable, maybeSent: err.maybeSent, vendorCode: err.vendorCode, requestId: err.requestId },
      `sms not sent: ${err.message}`,
    );
    throw err;
  }

  return {
    vendor: spec.vendor,
    async send(message: SmsMessage): Promise<SmsReceipt> {
      if (message.tenant !== ctx.tenant) refuse(message, new SmsSendError(`message for tenant "${message.tenant}" sent through the account of tenant "${ctx.tenant}"`, 'config', false));
      if (typeof message.to !== 'string' || !MOBILE_RE.test(message.to)) refuse(message, new SmsSendError('the recipient is not a mainland mobile number', 'invalid_recipient', false));
      const template = spec.templates[message.kind];
      if (!template) refuse(message, new SmsSendError(`no template is configured for messages of kind "${message.kind}"`, 'config', false));
      let params: Array<[string, string]>;
      try {
        params = templateParams(message, template.params);
      } catch (e) {
        refuse(message, e as SmsSendError);
      }
      let sent: { id: string; requestId?: string | undefined };
      try {
        sent = await spec.deliver(message, template, params);
      } catch (e) {
        refuse(message, e instanceof SmsSendError ? e : new SmsSendError(`${spec.vendorName}: ${(e as Error).message}`, 'unavailable', true, { maybeSent: true }));
      }
      ctx.log.info({ plugin: spec.plugin, tenant: message.tenant, to: maskPhone(message.to), kind: message.kind, caseId: message.caseId, ref: message.ref, id: sent.id, requestId: sent.requestId }, `sms accepted by ${spec.vendorName}`);
      return { id: sent.id, acceptedAt: clock.now() };
    },

    async acceptReceipts(body, auth) {
      checkReceiptToken(receiptToken, auth.token);
      const reports = spec.parseReceipts(body);
      for (const r of reports) for (const l of listeners) await l(r);
      ctx.log.info({ plugin: spec.plugin, tenant: ctx.tenant, reports: reports.length, undelivered: reports.filter((r) => !r.delivered).length }, 'sms receipts taken');
      return { reports, ack: spec.ack };
    },

    onReceipt(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
