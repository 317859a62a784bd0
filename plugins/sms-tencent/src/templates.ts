/**
 * Operators send only approved templates (模板) with variables, never free text. Core hands
 * the port a finished text and a kind, so each kind maps to a template and the variables are
 * read back out of the text by a pattern with one capture group. A message that carries its
 * variables (`params`, once core passes them) skips the patterns.
 */
import type { SmsKind, SmsMessage } from '@kuaichu/core/ports';
import { SmsSendError } from './outcome.ts';

export interface TemplateParamRule {
  name: string;
  pattern: string;
}

/** Variables of the texts core sends today (core/src/auth/otp.ts, cases/scene.ts, cases/determination.ts). */
export const DEFAULT_PARAMS: Partial<Record<SmsKind, TemplateParamRule[]>> = {
  otp: [{ name: 'code', pattern: '验证码为\\s*(\\d{4,8})' }],
  evacuate: [{ name: 'number', pattern: '事故（([^）]+)）' }],
  escalation: [{ name: 'number', pattern: '事故（([^）]+)）' }],
  determination: [
    { name: 'number', pattern: '事故（([^）]+)）' },
    { name: 'docNo', pattern: '认定书编号\\s*([^。\\s]+)' },
    { name: 'code', pattern: '/verify/([A-Za-z0-9_-]+)' },
  ],
};

/** A message core may send once it passes the variables itself. */
export type TemplatedSmsMessage = SmsMessage & { params?: Record<string, string> };

/** The template's variables, in the template's order. */
export function templateParams(message: TemplatedSmsMessage, rules: TemplateParamRule[] | undefined): Array<[string, string]> {
  const list = rules ?? DEFAULT_PARAMS[message.kind];
  if (!list) throw new SmsSendError(`no variables are configured for the template of kind "${message.kind}"`, 'config', false);
  return list.map(({ name, pattern }) => {
    const given = message.params?.[name];
    if (typeof given === 'string') return [name, given];
    const m = new RegExp(pattern, 'u').exec(message.text);
    if (!m || m[1] === undefined) {
      throw new SmsSendError(`the ${message.kind} text does not carry the template variable "${name}" (pattern ${pattern})`, 'config', false);
    }
    return [name, m[1]];
  });
}
