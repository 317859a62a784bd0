export { compileProfile, compileParsed, type CompileResult, type CompileOptions } from './compile.ts';
export { loadCities, loadProfiles, profileFiles, type LoadResult, type Rejected } from './load.ts';
export { formatProblem, type Problem } from './problems.ts';
