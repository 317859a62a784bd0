/**
 * Liability grades of the simple procedure (全部 / 主要 / 同等 / 次要 / 无责任) and the rule that
 * they fit together across the parties — the same rule the core applies (core/src/cases/
 * determination.ts `liabilityProblem`, kept in step by web/test/officer-liability.test.ts),
 * checked here first so the officer sees why before anything is posted. Problems are codes;
 * the screen words them through the i18n table (officer.problem.<code>).
 */
import type { LiabilityGrade } from '@kuaichu/core/generated/types.ts';

export const GRADES: readonly LiabilityGrade[] = ['full', 'primary', 'equal', 'secondary', 'none'];

export type LiabilityProblem =
  | 'single_party'
  | 'full_twice'
  | 'full_needs_none'
  | 'primary_twice'
  | 'primary_needs_secondary'
  | 'equal_alone'
  | 'secondary_needs_primary';

export function liabilityProblem(grades: readonly LiabilityGrade[]): LiabilityProblem | null {
  const n = (g: LiabilityGrade) => grades.filter((x) => x === g).length;
  if (grades.length === 1) return grades[0] === 'full' || grades[0] === 'none' ? null : 'single_party';
  if (n('full') > 1) return 'full_twice';
  if (n('full') === 1 && n('none') !== grades.length - 1) return 'full_needs_none';
  if (n('primary') > 1) return 'primary_twice';
  if (n('primary') === 1 && n('secondary') === 0) return 'primary_needs_secondary';
  if (n('equal') === 1) return 'equal_alone';
  if (n('secondary') > 0 && n('primary') === 0 && n('equal') < 2) return 'secondary_needs_primary';
  return null;
}

/**
 * In a two-party accident, the one grade the other party can then have (全部 ⇒ 无责任, 主要 ⇔ 次要,
 * 同等 ⇔ 同等); null for 无责任, which fits 全部 or another 无责任.
 */
export function counterpart(grade: LiabilityGrade): LiabilityGrade | null {
  return ({ full: 'none', primary: 'secondary', equal: 'equal', secondary: 'primary', none: null } as const)[grade];
}
