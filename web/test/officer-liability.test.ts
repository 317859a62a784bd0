// The officer desk checks liability grades before posting; the core decides. Both apply the one
// rule of @kuaichu/rules (the core words its problems for the API, core/src/cases/determination.ts,
// which stops compiling when its grades and the rule's differ), so they accept and refuse the same
// grades by construction; here: the rule over every combination of up to four parties, and the
// desk has words for every refusal it can give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRADES, counterpart, liabilityProblem } from '@kuaichu/rules';
import type { LiabilityGrade } from '@kuaichu/core/generated/types.ts';
import officer from '../src/i18n/officer.ts';

function* combinations(n: number): Generator<LiabilityGrade[]> {
  if (n === 0) return yield [];
  for (const rest of combinations(n - 1)) for (const g of GRADES) yield [...rest, g];
}

test('the desk words every refusal of the shared rule, for every combination of up to four parties', () => {
  const words = officer as Record<string, { zh: string; en: string } | undefined>;
  let checked = 0;
  for (let n = 1; n <= 4; n++) {
    for (const grades of combinations(n)) {
      const problem = liabilityProblem(grades);
      if (problem) assert.ok(words[`officer.problem.${problem}`]?.zh && words[`officer.problem.${problem}`]?.en, `grades ${grades.join(', ')}: ${problem}`);
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
