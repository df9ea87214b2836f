/** Median and range of repeated measurements (the report never shows a single best run). */
export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function spread(samples: readonly number[]): Spread {
  const finite = samples.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: [...samples] };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples: [...samples] };
}

/** spread() of each list of a record keyed by length, e.g. { 128: [...] } → { 128: spread }; lengths with no samples are left out */
export function spreads(byLength: Record<number, (number | undefined)[]>): Record<number, Spread> {
  return Object.fromEntries(
    Object.entries(byLength)
      .map(([n, xs]) => [n, xs.filter((x): x is number => x !== undefined)] as const)
      .filter(([, xs]) => xs.length > 0)
      .map(([n, xs]) => [n, spread(xs)]),
  );
}

/** "12.3 (11.9–12.8)" */
export function formatSpread(s: Spread | undefined, digits = 1): string {
  if (!s || !Number.isFinite(s.median)) return "—";
  if (s.samples.length <= 1 || s.min === s.max) return s.median.toFixed(digits);
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
