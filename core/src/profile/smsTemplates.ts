/**
 * The city's SMS templates (模板) in an SMS gateway integration's options (sms-aliyun,
 * sms-tencent: `templates.<kind>.params`), checked for meaning once the schema passed: a
 * variable without a pattern must be one core passes with that kind of message (otp: code;
 * evacuate, escalation: number; determination: number, docNo, code), else the gateway would be
 * sent an empty variable; a pattern must be a regular expression with exactly one capture group.
 * Each problem points at its line and column of the profile.
 */
import type { CityProfile } from '../generated/types.ts';
import type { SmsKind } from '../ports/sms.ts';
import { CORE_PARAM_NAMES } from '../sms/kit/templates.ts';
import { closest, type ProblemList } from './problems.ts';

interface ParamRule {
  name?: unknown;
  pattern?: unknown;
}

/** How many capture groups a pattern has; an error message when it is no regular expression. */
function captureGroups(pattern: string): number | string {
  try {
    new RegExp(pattern, 'u');
  } catch (e) {
    return (e as Error).message;
  }
  // Matching the empty alternative gives one slot per group.
  return new RegExp(`${pattern}|`, 'u').exec('')!.length - 1;
}

export function checkSmsTemplates(profile: CityProfile, problems: ProblemList, portOf: (plugin: string) => unknown): void {
  (profile.integrations ?? []).forEach((integration, i) => {
    if (portOf(integration.plugin) !== 'sms') return;
    const templates = (integration.options as { templates?: Record<string, { params?: ParamRule[] }> } | undefined)?.templates;
    if (!templates || typeof templates !== 'object') return;
    for (const [kind, template] of Object.entries(templates)) {
      const supplied = CORE_PARAM_NAMES[kind as SmsKind] ?? [];
      (template?.params ?? []).forEach((p, j) => {
        const at = ['integrations', i, 'options', 'templates', kind, 'params', j];
        if (typeof p?.name !== 'string') return;
        if (typeof p.pattern === 'string') {
          const groups = captureGroups(p.pattern);
          if (typeof groups === 'string') problems.add([...at, 'pattern'], `the pattern of variable "${p.name}" is not a regular expression: ${groups}`);
          else if (groups !== 1) problems.add([...at, 'pattern'], `the pattern of variable "${p.name}" has ${groups} capture groups; it needs exactly one (the variable's value)`, 'make other groups non-capturing: (?:…)');
          return;
        }
        if (supplied.includes(p.name)) return;
        const near = closest(p.name, supplied);
        problems.add([...at, 'name'], supplied.length
          ? `core passes no variable "${p.name}" with ${kind} messages (it passes ${supplied.join(', ')})`
          : `core passes no variables with ${kind} messages, so "${p.name}" needs a pattern`,
        near ? `did you mean "${near}"?` : 'add `pattern:` with one capture group that reads it from the text');
      });
    }
  });
}
