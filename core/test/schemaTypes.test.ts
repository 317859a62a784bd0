// Lists that code keeps as values (the lifecycle table, the liability grades, the metric
// breakdowns) name exactly what the schemas' enums name: the schemas are the truth, and a
// state, event or grade added on one side only would otherwise pass every type check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GRADES, type Grade } from '@kuaichu/rules';
import { CASE_STATES, TRANSITIONS, type CaseEventType, type CaseState } from '../src/cases/transitions.ts';
import { METRIC_GROUPS, type MetricGroup } from '../src/ports/analytics.ts';
import type * as Gen from '../src/generated/types.ts';

/** Compiles only when A and B are the same set of values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree: [Same<CaseState, Gen.CaseState>, Same<CaseEventType, Gen.CaseEventType>, Same<Grade, Gen.LiabilityGrade>, Same<MetricGroup, Gen.MetricGroupBy>] = [true, true, true, true];

const schemas = path.resolve(import.meta.dirname, '../../schemas');
/** The enum at a JSON pointer of a schema file. */
function schemaEnum(file: string, pointer: string): string[] {
  let at: unknown = JSON.parse(readFileSync(path.join(schemas, file), 'utf8'));
  for (const key of pointer.split('/').filter(Boolean)) at = (at as Record<string, unknown>)[key];
  const values = (at as { enum?: string[] }).enum;
  assert.ok(Array.isArray(values), `${file}#${pointer} has no enum`);
  return [...values].sort();
}

test('the lifecycle table names the schemas\' states and events', () => {
  assert.deepEqual(agree, [true, true, true, true]);
  assert.deepEqual([...CASE_STATES].sort(), schemaEnum('http/case-summary.schema.json', '/definitions/CaseState'));
  const events = Object.keys(TRANSITIONS).sort();
  assert.deepEqual(events, schemaEnum('http/case-summary.schema.json', '/definitions/CaseEventType'));
  assert.deepEqual(events, schemaEnum('events/envelope.schema.json', '/properties/type'));
});

test('the liability rule\'s grades and the metric breakdowns are the schemas\' enums', () => {
  assert.deepEqual([...GRADES].sort(), schemaEnum('city-profile.schema.json', '/definitions/LiabilityGrade'));
  assert.deepEqual([...METRIC_GROUPS].sort(), schemaEnum('http/analytics-query.schema.json', '/properties/groupBy'));
});
