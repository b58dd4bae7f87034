import { summarize, type Summary } from './stats.js'

/** A latency measured next to its baseline: both summarized, and their medians' ratio. */
export interface Paired {
  readonly subject: Summary
  readonly baseline: Summary
  /** subject median / baseline median. */
  readonly ratio: number
}

/** One measured round: resolves with its latency in ms. */
export type Sample = (i: number) => Promise<number>

/** A {@link Sample} that times the whole of `round`. */
export function wholeRound(round: (i: number) => Promise<unknown>): Sample {
  return async (i) => {
    const started = performance.now()
    await round(i)
    return performance.now() - started
  }
}

/**
 * Measures `subject` and `baseline` in alternating blocks of rounds, so that both see the same
 * drift (connection, heap and CPU state change over a run by more than the effects measured
 * here). The order within each pair of blocks alternates too. Round numbers count up across blocks.
 */
export async function pairedRounds(rounds: number, subject: Sample, baseline: Sample, blockSize = 50): Promise<Paired> {
  const subjectMs: number[] = []
  const baselineMs: number[] = []
  const block = async (sample: Sample, into: number[], first: number, n: number): Promise<void> => {
    for (let i = first; i < first + n; i++) into.push(await sample(i))
  }
  for (let first = 0, b = 0; first < rounds; first += blockSize, b++) {
    const n = Math.min(blockSize, rounds - first)
    if (b % 2 === 0) {
      await block(baseline, baselineMs, first, n)
      await block(subject, subjectMs, first, n)
    } else {
      await block(subject, subjectMs, first, n)
      await block(baseline, baselineMs, first, n)
    }
  }
  const s = summarize(subjectMs)
  const base = summarize(baselineMs)
  return { subject: s, baseline: base, ratio: s.median / base.median }
}
