/**
 * Resume on against resume off, paired on one connection in alternating blocks (see
 * resume.bench.ts): join and hand-off latency, and bulk channel throughput.
 */
import type { SessionPair } from '../helpers/session-pair.js'
import { bulkRun } from './channel.bench.js'
import { alternateBlocks, pairedRounds, wholeRound, type Paired, type Sample } from './paired.js'
import type { Report } from './report.js'
import { timeRounds } from './stats.js'

const IMPL = 'node-datachannel'

let runs = 0

/** Join and hand-off latency with resume on, each in blocks alternating with resume off. */
export async function addLatencyRows(report: Report, on: SessionPair, off: SessionPair, rounds: number): Promise<void> {
  const run = ++runs
  const join = (pair: SessionPair, name: string): Sample => async (i) => {
    const key = `resume-bench:${run}:${name}:${i}`
    const started = performance.now()
    await Promise.all([pair.leader.join(() => 1, { key }), pair.follower.join(() => 2, { key })])
    return performance.now() - started
  }
  const handOffTurn = (pair: SessionPair, name: string): Sample => {
    const key = `resume-bench.handoff#${run}:${name}`
    const sides = [pair.leader.mutex<number>(key, { initial: 0 }), pair.follower.mutex<number>(key)] as const
    // Turn 0 is the leader's, where the token starts: every later turn is a hand-off.
    return wholeRound(async (i) => {
      const guard = await sides[i % 2]!.lock()
      guard.value = i
      await guard.release()
    })
  }
  const warmUp = Math.min(300, rounds)
  for (const pair of [on, off]) await timeRounds(warmUp, join(pair, `warm-${pair === on ? 'on' : 'off'}`))
  const joins = await pairedRounds(rounds, join(on, 'on'), join(off, 'off'))
  latencyRow(report, 'join latency, resume on', joins)
  const [onTurn, offTurn] = [handOffTurn(on, 'on'), handOffTurn(off, 'off')]
  // An even warm-up ends on the follower's turn, so the first measured turn is a hand-off.
  const warm = 2 * Math.ceil(warmUp / 2)
  await timeRounds(warm, onTurn)
  await timeRounds(warm, offTurn)
  const shifted = (sample: Sample): Sample => (i) => sample(warm + i)
  latencyRow(report, 'mutex hand-off, resume on', await pairedRounds(rounds, shifted(onTurn), shifted(offTurn)))
}

function latencyRow(report: Report, name: string, measured: Paired): void {
  report.add({
    name,
    impl: IMPL,
    median: measured.subject.median,
    p99: measured.subject.p99,
    unit: 'ms',
    baseline: 'resume off (paired)',
    ratio: measured.ratio,
    note: `resume off on the same connection, in alternating blocks: median ${measured.baseline.median.toFixed(3)} ms; the goal is a ratio within resume off's run-to-run spread`,
  })
}

/** Bulk channel throughput with resume on, in eight blocks alternating with resume off. */
export async function addBulkRow(report: Report, on: SessionPair, off: SessionPair, bytes: number): Promise<void> {
  const warm = Math.min(4 * 1024 * 1024, bytes)
  await bulkRun(on, warm)
  await bulkRun(off, warm)
  const blocks = 8
  const blockBytes = Math.max(64 * 1024, Math.ceil(bytes / blocks / (64 * 1024)) * 64 * 1024)
  let [onMs, offMs] = [0, 0]
  await alternateBlocks(
    blocks,
    async () => {
      onMs += await bulkRun(on, blockBytes)
    },
    async () => {
      offMs += await bulkRun(off, blockBytes)
    },
  )
  const mb = (blocks * blockBytes) / 1e6
  const [onMBps, offMBps] = [mb / (onMs / 1000), mb / (offMs / 1000)]
  const ratio = onMBps / offMBps
  report.add({
    name: 'channel bulk throughput, resume on',
    impl: IMPL,
    median: onMBps,
    unit: 'MB/s',
    baseline: 'resume off (paired)',
    ratio,
    note: `resume off on the same connection, in alternating blocks: ${offMBps.toFixed(1)} MB/s`,
    target: '≥ 0.95× resume off',
    met: ratio >= 0.95,
  })
}
