/** Output analysis of a simulation: means and their standard error over correlated observations. */

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The standard error of a mean over a simulation's output in time order: 10 consecutive
 * batches, whose means are nearly independent though neighbouring calls are not (a call that
 * waited makes the next one likely to wait). null when there are too few observations.
 */
export function batchMeansError(xs: readonly number[], batches = 10): number | null {
  if (xs.length < batches * 5) return null;
  const size = Math.floor(xs.length / batches);
  const means = Array.from({ length: batches }, (_, i) => mean(xs.slice(i * size, (i + 1) * size)));
  const m = mean(means);
  return Math.sqrt(means.reduce((s, x) => s + (x - m) ** 2, 0) / (batches - 1) / batches);
}
