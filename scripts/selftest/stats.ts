/**
 * Percentiles over the few dozen durations a self-test collects: plain
 * sorting is exact and needs no histogram.
 */

/**
 * The p-th percentile (0-100) with linear interpolation between the closest
 * ranks (the method spreadsheets and NumPy use by default): the median of
 * [1, 2] is 1.5, p100 is the maximum. Undefined for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!Number.isFinite(p) || p < 0 || p > 100) throw new RangeError(`a percentile is between 0 and 100, got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

/** Milliseconds as seconds for a table cell: "12.34"; "–" when there is no value. */
export function secondsCell(ms: number | undefined, digits = 2): string {
  return ms === undefined ? '–' : (ms / 1000).toFixed(digits);
}

/** A wall time for people: "48.2 s", "3 min 05 s". */
export function duration(ms: number): string {
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return `${totalSeconds.toFixed(1)} s`;
  const minutes = Math.floor(totalSeconds / 60);
  const rest = Math.round(totalSeconds - minutes * 60);
  return rest === 60 ? `${minutes + 1} min 00 s` : `${minutes} min ${String(rest).padStart(2, '0')} s`;
}
