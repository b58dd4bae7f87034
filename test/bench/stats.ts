/** Summary statistics for benchmark samples (nearest-rank percentiles, as in research/*.md). */
export interface Summary {
  readonly median: number
  readonly p99: number
  readonly count: number
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('no samples')
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((x, y) => x - y)
  for (const value of sorted) if (!Number.isFinite(value)) throw new Error(`non-finite sample ${value}`)
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length }
}

/** Times `round` `count` times in sequence, in ms each. */
export async function timeRounds(count: number, round: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await round(i)
    samples.push(performance.now() - started)
  }
  return samples
}
