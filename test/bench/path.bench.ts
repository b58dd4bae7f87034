/**
 * Rows on a real path: node-datachannel through the lossy relay (20 ms ± 5 ms one way, 2 % loss),
 * default session options. join, select and the mutex hand-off are timed in alternating blocks
 * with a raw message's round trip on a second channel of the same relayed connection; the clock's
 * offset error (true offset 0: one process, one clock) and syncStart's skew are measured there too.
 */
import type { Session } from '../../src/session.js'
import { lossyFramePair, LOSSY_PATH } from '../helpers/lossy-pair.js'
import { openSessions } from '../helpers/session-pair.js'
import { pairedRounds, wholeRound, type Paired } from './paired.js'
import { rawPinger } from './raw.bench.js'
import type { Report } from './report.js'
import { summarize } from './stats.js'

const IMPL = 'node-datachannel, lossy relay'
const PATH = `${LOSSY_PATH.delayMs} ms ± ${LOSSY_PATH.jitterMs} ms one way, ${LOSSY_PATH.loss * 100} % loss`
const DEFAULTS = { heartbeatMs: 1000, timeoutMs: 12_000 }

export async function benchPath(report: Report, quick: boolean): Promise<void> {
  const rounds = quick ? 10 : 200
  const frames = await lossyFramePair(LOSSY_PATH, 16, {}, 'baseline')
  const baselineChannels = frames.raw.baseline
  if (baselineChannels === undefined) throw new Error('the lossy pair has no baseline channel')
  const pinger = rawPinger(baselineChannels)
  const pair = await openSessions([frames.a, frames.b], { leader: DEFAULTS, follower: DEFAULTS })
  try {
    const baseline = wholeRound(pinger.round)
    const row = (name: string, measured: Paired): void => {
      report.add({
        name: `lossy path: ${name}`,
        impl: IMPL,
        median: measured.subject.median,
        p99: measured.subject.p99,
        unit: 'ms',
        baseline: 'raw RTT (paired)',
        ratio: measured.ratio,
        note: `${PATH}; raw RTT on the same relayed connection: median ${measured.baseline.median.toFixed(1)} ms, p99 ${measured.baseline.p99.toFixed(1)} ms`,
      })
    }
    row('join latency', await pairedRounds(rounds, (i) => joinRound(pair, i), baseline, 20))
    row('select latency', await pairedRounds(rounds, (i) => selectRound(pair, i), baseline, 20))
    const mutexes = [pair.leader.mutex<number>('path.handoff', { initial: 0 }), pair.follower.mutex<number>('path.handoff')] as const
    // Turn 0 is the leader's, where the token starts: it is a re-lock, so it runs before the timing.
    await mutexes[0].withLock((g) => (g.value = 0))
    row('mutex hand-off', await pairedRounds(rounds, wholeRound((i) => mutexes[(i + 1) % 2]!.withLock((g) => (g.value = i))), baseline, 20))
    await clockRows(report, pair, quick ? 3 : 40)
  } finally {
    pinger.dispose()
    await pair.close()
    await frames.close()
  }
}

async function joinRound(pair: { leader: Session; follower: Session }, i: number): Promise<number> {
  const started = performance.now()
  await Promise.all([pair.leader.join(() => i, { key: `path.join:${i}` }), pair.follower.join(() => i, { key: `path.join:${i}` })])
  return performance.now() - started
}

/** The winner's view: from its call to its result. */
async function selectRound(pair: { leader: Session; follower: Session }, i: number): Promise<number> {
  const started = performance.now()
  const key = `path.select:${i}`
  const timed = async (session: Session): Promise<number> => {
    const result = await session.select(() => i, { key })
    return result.won ? performance.now() - started : Infinity
  }
  const [l, f] = await Promise.all([timed(pair.leader), timed(pair.follower)])
  return Math.min(l, f)
}

/** syncStart skew (both sides in this process: the difference of the instants they started) and the offset error. */
async function clockRows(report: Report, pair: { leader: Session; follower: Session }, starts: number): Promise<void> {
  const skews: number[] = []
  const offsetErrors: number[] = []
  let late = 0
  for (let i = 0; i < starts; i++) {
    const ran: number[] = []
    const start = (): void => void ran.push(performance.now())
    const outcomes = await Promise.allSettled([pair.leader.syncStart(start, { key: `path.start:${i}` }), pair.follower.syncStart(start, { key: `path.start:${i}` })])
    offsetErrors.push(Math.abs(pair.follower.clock.offsetMs))
    if (outcomes.some((o) => o.status === 'rejected') || ran.length !== 2) late++
    else skews.push(Math.abs(ran[0]! - ran[1]!))
  }
  const offset = summarize(offsetErrors)
  report.add({
    name: 'lossy path: clock offset error',
    impl: IMPL,
    median: offset.median,
    p99: offset.p99,
    unit: 'ms',
    note: `${PATH}; true offset 0 (one process); error bound at the end ${pair.follower.clock.errorBoundMs.toFixed(1)} ms`,
  })
  if (skews.length === 0) throw new Error(`every one of ${starts} syncStarts on the lossy path was late`)
  const skew = summarize(skews)
  report.add({
    name: 'lossy path: syncStart skew',
    impl: IMPL,
    median: skew.median,
    p99: skew.p99,
    unit: 'ms',
    note: `${PATH}; one process, default lead; ${late} of ${starts} refused as late`,
  })
}
