/** @kuaichu/rules: pure rules the server and the browser both apply, written once. */
export { GRADES, counterpart, liabilityProblem, type Grade, type LiabilityProblem } from './liability.ts';
