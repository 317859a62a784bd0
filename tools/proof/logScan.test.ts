/** The scanner itself: real ID numbers (the check character holds) and mobiles are hits; masked ones, hashes and timestamps are not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIdNumber, scanForPersonalData } from './logScan.ts';

test('GB 11643 check character; mobiles stand alone; masked forms are no hits', () => {
  assert.ok(isIdNumber('230102198503127810'));
  assert.ok(isIdNumber('11010519491231002X'));
  assert.ok(!isIdNumber('230102198503127811'), 'wrong check character');
  assert.ok(!isIdNumber('027920000000000532'), 'check character holds but no birth date: a gateway message id');
  const hits = scanForPersonalData([
    '{"msg":"driver 230102198503127810 checked"}', '{"url":"/api/admin/sms-outbox?to=13912345678"}',
    '{"msg":"139****5678 and 2301**********7810"}', '{"time":1780279200000,"sha":"ab13912345678cd"}', '{"n":"230102198503127811"}',
  ]);
  assert.deepEqual(hits, [{ line: 1, kind: 'id_number', text: '230102198503127810' }, { line: 2, kind: 'mobile', text: '13912345678' }]);
});
