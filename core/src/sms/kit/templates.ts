/**
 * Operators send only approved templates (模板) with variables, never free text. Each kind
 * maps to a template; its variables come by name from the message's `params` (core passes them:
 * core/src/sms/messages.ts), and a variable core does not supply is read out of the text by the
 * profile's pattern (one capture group). The built-in patterns stay as the fallback for a
 * message without params.
 */
import type { SmsKind, SmsMessage } from '../../ports/sms.ts';
import { SmsSendError } from './outcome.ts';

export interface TemplateParamRule {
  name: string;
  pattern?: string;
}

/** Variables of the texts core sends (core/src/sms/messages.ts), with the patterns that read them from the text. */
export const DEFAULT_PARAMS: Partial<Record<SmsKind, TemplateParamRule[]>> = {
  otp: [{ name: 'code', pattern: '验证码为\\s*(\\d{4,8})' }],
  evacuate: [{ name: 'number', pattern: '事故（([^）]+)）' }],
  escalation: [{ name: 'number', pattern: '事故（([^）]+)）' }],
  determination: [
    { name: 'number', pattern: '事故（([^）]+)）' },
    { name: 'docNo', pattern: '认定书编号\\s*([^。\\s]+)' },
    { name: 'code', pattern: '/verify/([A-Za-z0-9_-]+)' },
  ],
  photo_invite: [
    { name: 'number', pattern: '事故（([^）]+)）' },
    { name: 'url', pattern: '打开\\s*(\\S+)' },
  ],
  agreement: [
    { name: 'number', pattern: '事故（([^）]+)）' },
    { name: 'docNo', pattern: '协议书编号\\s*([^。\\s]+)' },
    { name: 'code', pattern: '/verify/([A-Za-z0-9_-]+)' },
  ],
};

/** Kept for the adapters' signatures: every SmsMessage may carry params now. */
export type TemplatedSmsMessage = SmsMessage;

/** The variable names core supplies for each kind (what a template's param may name without a pattern). */
export const CORE_PARAM_NAMES: Partial<Record<SmsKind, string[]>> = Object.fromEntries(Object.entries(DEFAULT_PARAMS).map(([k, rules]) => [k, rules!.map((r) => r.name)]));

/** The template's variables, in the template's order. */
export function templateParams(message: TemplatedSmsMessage, rules: TemplateParamRule[] | undefined): Array<[string, string]> {
  const list = rules ?? DEFAULT_PARAMS[message.kind];
  if (!list) throw new SmsSendError(`no variables are configured for the template of kind "${message.kind}"`, 'config', false);
  return list.map(({ name, pattern }) => {
    const given = message.params?.[name];
    if (typeof given === 'string') return [name, given];
    const fallback = pattern ?? DEFAULT_PARAMS[message.kind]?.find((r) => r.name === name)?.pattern;
    if (!fallback) throw new SmsSendError(`the ${message.kind} message does not carry the template variable "${name}"`, 'config', false);
    const m = new RegExp(fallback, 'u').exec(message.text);
    if (!m || m[1] === undefined) {
      throw new SmsSendError(`the ${message.kind} text does not carry the template variable "${name}" (pattern ${fallback})`, 'config', false);
    }
    return [name, m[1]];
  });
}
