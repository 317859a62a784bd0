import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleGeneratedFiles } from '../src/commands/gen.ts';

test('the checked-in generated types match the schemas (run `npm run gen` when this fails)', async () => {
  assert.deepEqual(await staleGeneratedFiles(), []);
});
