import type { Row } from './report.js'
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
 * Runs `blocks` blocks of `subject` and of `baseline`, alternating (and alternating which of the
 * two goes first), so that both see the same drift: connection, heap and CPU state change over a
 * run by more than the effects measured here.
 */
export async function alternateBlocks(
  blocks: number,
  subject: (block: number) => Promise<void>,
  baseline: (block: number) => Promise<void>,
): Promise<void> {
  for (let block = 0; block < blocks; block++) {
    if (block % 2 === 0) {
      await baseline(block)
      await subject(block)
    } else {
      await subject(block)
      await baseline(block)
    }
  }
}

/**
 * Measures `subject` and `baseline` in {@link alternateBlocks} of `blockSize` rounds each. Round
 * numbers count up across blocks.
 */
export async function pairedRounds(rounds: number, subject: Sample, baseline: Sample, blockSize = 50): Promise<Paired> {
  const subjectMs: number[] = []
  const baselineMs: number[] = []
  const runBlock = (sample: Sample, into: number[]) => async (block: number): Promise<void> => {
    const first = block * blockSize
    for (let i = first; i < Math.min(rounds, first + blockSize); i++) into.push(await sample(i))
  }
  await alternateBlocks(Math.ceil(rounds / blockSize), runBlock(subject, subjectMs), runBlock(baseline, baselineMs))
  const s = summarize(subjectMs)
  const base = summarize(baselineMs)
  return { subject: s, baseline: base, ratio: s.median / base.median }
}

/**
 * The table row of a latency measured against the raw RTT in alternating blocks: its ratio to
 * that RTT and, when `target` is given, whether the ratio is at most `target`.
 */
export function pairedLatencyRow(name: string, impl: string, measured: Paired, target?: number, note = ''): Row {
  return {
    name,
    impl,
    median: measured.subject.median,
    p99: measured.subject.p99,
    unit: 'ms',
    baseline: 'raw RTT (paired)',
    ratio: measured.ratio,
    note: `${note}raw RTT on the same connection, timed in alternating blocks: median ${measured.baseline.median.toFixed(3)} ms`,
    ...(target === undefined ? {} : { target: `≤ ${target}× raw RTT`, met: measured.ratio <= target }),
  }
}
