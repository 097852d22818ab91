/** Nearest-rank percentiles of a sample, in its own unit. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export function summarize(sample: readonly number[]): Summary {
  return {
    count: sample.length,
    p50: percentile(sample, 50),
    p95: percentile(sample, 95),
    max: sample.length ? Math.max(...sample) : Number.NaN,
  };
}

/** Averages of per-item counts, e.g. API requests per intercept. */
export function perItem(counts: Readonly<Record<string, number>>, items: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).map(([key, value]) => [key, Math.round((value / items) * 100) / 100]),
  );
}
