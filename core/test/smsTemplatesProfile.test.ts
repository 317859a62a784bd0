/**
 * SMS templates per city (core/src/profile/smsTemplates.ts): a template variable core does not
 * pass with that kind of message, and a pattern that is no regular expression or has other than
 * one capture group, are refused at their line and column; a valid gateway entry loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileProfile, formatProblem } from '../src/profile/index.ts';
import { citiesDir } from '../src/paths.ts';

const HARBIN = readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8');
const FILE = 'cities/harbin.yaml';
const DEV = '  - { plugin: sms-dev, options: { signature: 【哈尔滨交警】 } }\n';

/** Harbin sending through Aliyun with these templates (YAML block lines under `templates:`). */
function withTemplates(templates: string): string {
  assert.ok(HARBIN.includes(DEV));
  return HARBIN.replace(DEV, `  - plugin: sms-aliyun
    options:
      accessKeyIdEnv: HARBIN_SMS_KEY_ID
      accessKeySecretEnv: HARBIN_SMS_KEY_SECRET
      signName: 哈尔滨交警
      templates:
${templates}`);
}
const BASE = `        otp: { templateCode: SMS_200000001, params: [{ name: code }] }
        evacuate: { templateCode: SMS_200000002 }
        escalation: { templateCode: SMS_200000004 }
`;

function at(text: string, needle: string): string {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `not found: ${needle}`);
  const before = text.slice(0, i).split('\n');
  return `${FILE}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

test('the variables core passes need no pattern: the profile loads', () => {
  const text = withTemplates(`${BASE}        determination: { templateCode: SMS_200000003, params: [{ name: number }, { name: docNo }, { name: code }, { name: city, pattern: '由(\\\\S+?)交警' }] }\n`);
  const r = compileProfile(text, FILE);
  assert.equal(r.ok, true, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
});

test('a variable core does not pass, without a pattern, is refused at its line with the names core passes', () => {
  const text = withTemplates(`${BASE}        determination: { templateCode: SMS_200000003, params: [{ name: number }, { name: docNum }, { name: code }] }\n`);
  const r = compileProfile(text, FILE);
  assert.equal(r.ok, false);
  const lines = r.ok ? [] : r.problems.map(formatProblem);
  assert.deepEqual(lines, [`${at(text, 'docNum')} integrations[0].options.templates.determination.params[1].name: core passes no variable "docNum" with determination messages (it passes number, docNo, code) (hint: did you mean "docNo"?)`]);
});

test('a pattern must be a regular expression with exactly one capture group', () => {
  const text = withTemplates(`${BASE}        determination: { templateCode: SMS_200000003, params: [{ name: number, pattern: '事故（(.+' }, { name: docNo, pattern: '编号 (\\\\S+)(。)' }, { name: code }] }\n        other: { templateCode: SMS_200000009, params: [{ name: place }] }\n`);
  const r = compileProfile(text, FILE);
  const lines = r.ok ? [] : r.problems.map(formatProblem);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0]!, new RegExp(`^${at(text, "'事故（").replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} integrations\\[0\\]\\.options\\.templates\\.determination\\.params\\[0\\]\\.pattern: the pattern of variable "number" is not a regular expression: Invalid regular expression: /事故（\\(\\.\\+/u: Unterminated group$`));
  assert.match(lines[1]!, /params\[1\]\.pattern: the pattern of variable "docNo" has 2 capture groups; it needs exactly one/);
  assert.match(lines[2]!, /templates\.other\.params\[0\]\.name: core passes no variables with other messages, so "place" needs a pattern/);
});
