/**
 * Liability grades of the simple procedure (全部 / 主要 / 同等 / 次要 / 无责任) and the rule that
 * they fit together across the parties. One rule for both sides: the core refuses a
 * determination that breaks it (422 KC_LIABILITY_INCONSISTENT), the officer desk checks it
 * before posting so the officer sees why at once. Problems are codes; the core words them for
 * the API, the desk through its i18n table (officer.problem.<code>).
 */

/**
 * The grades in the order the desk offers them. The schema's enum (LiabilityGrade in
 * core/src/generated/types.ts) is the truth; core/src/cases/determination.ts fails to compile
 * when the two differ.
 */
export const GRADES = ['full', 'primary', 'equal', 'secondary', 'none'] as const;
export type Grade = (typeof GRADES)[number];

export type LiabilityProblem =
  | 'single_party'
  | 'full_twice'
  | 'full_needs_none'
  | 'primary_twice'
  | 'primary_needs_secondary'
  | 'equal_alone'
  | 'secondary_needs_primary';

/**
 * Grades must fit together: one party at full liability leaves the others none; a primary
 * needs a secondary; equal is shared by two or more; a secondary needs a primary or equals.
 * Everyone at none (an accident nobody caused) is allowed.
 */
export function liabilityProblem(grades: readonly Grade[]): LiabilityProblem | null {
  const n = (g: Grade) => grades.filter((x) => x === g).length;
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
export function counterpart(grade: Grade): Grade | null {
  return ({ full: 'none', primary: 'secondary', equal: 'equal', secondary: 'primary', none: null } as const)[grade];
}
