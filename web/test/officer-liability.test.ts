// The officer desk checks liability grades before posting; the core decides. Both must agree on
// every combination of up to four parties, or the desk would block what the core accepts (or the reverse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liabilityProblem as coreProblem } from '../../core/src/cases/determination.ts';
import { GRADES, counterpart, liabilityProblem } from '@kuaichu/rules';
import type { LiabilityGrade } from '@kuaichu/core/generated/types.ts';

function* combinations(n: number): Generator<LiabilityGrade[]> {
  if (n === 0) return yield [];
  for (const rest of combinations(n - 1)) for (const g of GRADES) yield [...rest, g];
}

test('the desk and the core accept and refuse the same liability grades', () => {
  let checked = 0;
  for (let n = 1; n <= 4; n++) {
    for (const grades of combinations(n)) {
      assert.equal(liabilityProblem(grades) === null, coreProblem(grades) === null, `grades ${grades.join(', ')}`);
      checked++;
    }
  }
  assert.equal(checked, 5 + 25 + 125 + 625);
});

test('the counterpart of a grade completes a two-party determination', () => {
  for (const g of GRADES) {
    const other = counterpart(g);
    if (other) assert.equal(liabilityProblem([g, other]), null, `${g} + ${other}`);
  }
  assert.equal(liabilityProblem(['full', 'primary']), 'full_needs_none');
  assert.equal(liabilityProblem(['primary', 'primary']), 'primary_twice');
  assert.equal(liabilityProblem(['equal', 'none']), 'equal_alone');
});
