// The party app's report carries the language the party reads, so a city's queue.skills can route it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaRegistry } from '@kuaichu/core/schemas';
import { emptyDraft, toReport } from '../src/party/model.ts';

test('toReport sends the app language as report.language, valid against the report schema', () => {
  const d = { ...emptyDraft(), location: { lng: 126.63, lat: 45.75, source: 'gps' as const }, kind: 'motor_motor' as const, plates: ['黑A12345', '黑B12345'] };
  const validate = schemaRegistry().validator('accident-report.schema.json');
  for (const language of ['zh', 'en']) {
    const report = toReport(d, null, language);
    assert.equal(report.language, language);
    assert.ok(validate(report), JSON.stringify(validate.errors));
  }
  assert.equal('language' in toReport(d, null), false, 'no language given, none sent');
  assert.equal('language' in toReport(d, null, 'zh-CN'), false, 'only a BCP 47 primary tag is sent');
});
