/**
 * Session resume benchmarks (issue 14), over one node-datachannel connection on 127.0.0.1 that
 * carries a session with resume off, one with resume on, and a raw channel for the RTT, so that
 * every comparison is paired on the same SCTP association in the same run:
 * - the time from a new channel's `open` to `resumed` (both sides calling `resume` at once),
 *   next to the raw RTT timed in alternating blocks;
 * - bulk channel throughput with resume on, in blocks alternating with resume off;
 * - join and hand-off latency with resume on, alternating with resume off;
 * - port messages per operation with resume on and off (the acks ride on traffic).
 */
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { openExtraChannel, type ExtraChannel } from '../helpers/extra-channel.js'
import { nextSuspended, resumeOptions } from '../helpers/resume-probes.js'
import { openSessions, type SessionPair } from '../helpers/session-pair.js'
import { nodeDataChannelPair } from '../helpers/webrtc-pair.js'
import { bulkRun } from './channel.bench.js'
import { alternateBlocks, pairedRounds, wholeRound, type Paired, type Sample } from './paired.js'
import { rawPinger } from './raw.bench.js'
import type { Report } from './report.js'
import { summarize, timeRounds } from './stats.js'
import { benchWireCosts } from './wire.bench.js'

/** How much of each resume benchmark to run. */
export interface ResumeBenchSize {
  /** Blocks of resumes, each alternating with a block of raw pings. */
  readonly resumeBlocks: number
  readonly resumesPerBlock: number
  readonly pingsPerBlock: number
  /** Join and hand-off rounds, each side of the pair. */
  readonly latencyRounds: number
  /** Bytes sent with resume on, and again with it off, in eight alternating blocks. */
  readonly bulkBytes: number
}

const IMPL = 'node-datachannel'
/** Negotiated channel ids: the resumable session's first channel, then one per resume. */
const FIRST_EXTRA_ID = 100

export async function benchResume(report: Report, size: ResumeBenchSize): Promise<void> {
  const frames = await nodeDataChannelPair({}, 'baseline')
  const { pcA, pcB, baseline } = frames.raw
  if (baseline === undefined) throw new Error('the frame pair has no baseline channel')
  let nextId = FIRST_EXTRA_ID
  let current: ExtraChannel = await openExtraChannel(pcA, pcB, nextId++)
  const quiet = { heartbeatMs: 1000 }
  const off = await openSessions([frames.a, frames.b], { leader: quiet, follower: quiet })
  const on = await openSessions([fromDataChannel(current.dcA), fromDataChannel(current.dcB)], {
    leader: resumeOptions(60_000, quiet),
    follower: resumeOptions(60_000, quiet),
  })
  try {
    // First, while the resumable session still runs on the channel its counters watch.
    addWireRows(report, await benchWireCosts(off), await benchWireCosts(on))
    await addLatencyRows(report, on, off, size.latencyRounds)
    await addBulkRow(report, on, off, size.bulkBytes)
    const pinger = rawPinger(baseline)
    try {
      const resume = async (): Promise<number> => {
        const suspended = Promise.all([nextSuspended(on.leader), nextSuspended(on.follower)])
        current.dcA.close() // the channel closes on both ends
        await suspended
        current = await openExtraChannel(pcA, pcB, nextId++)
        const [a, b] = [fromDataChannel(current.dcA), fromDataChannel(current.dcB)]
        const started = performance.now()
        await Promise.all([on.leader.resume(a), on.follower.resume(b)])
        return performance.now() - started
      }
      await timeRounds(10, wholeRound(pinger.round))
      await resume() // warm-up: the handshake's code paths and Web Crypto's first keys
      const resumeMs: number[] = []
      const rttMs: number[] = []
      await alternateBlocks(
        size.resumeBlocks,
        async () => {
          for (let i = 0; i < size.resumesPerBlock; i++) resumeMs.push(await resume())
        },
        async () => {
          rttMs.push(...(await timeRounds(size.pingsPerBlock, wholeRound(pinger.round))))
        },
      )
      const [resumed, rtt] = [summarize(resumeMs), summarize(rttMs)]
      const ratio = resumed.median / rtt.median
      report.add({
        name: 'resume: new channel open → resumed',
        impl: IMPL,
        median: resumed.median,
        p99: resumed.p99,
        unit: 'ms',
        baseline: 'raw RTT (paired)',
        ratio,
        note: `both sides resume at once on a new channel of the same connection, from both ends open; raw RTT in alternating blocks: median ${rtt.median.toFixed(3)} ms`,
        target: '≤ 1.5× raw RTT',
        met: ratio <= 1.5,
      })
    } finally {
      pinger.dispose()
    }
  } finally {
    await Promise.all([off.close(), on.close()])
    current.dcA.close()
    await frames.close()
  }
}

/** Port messages per operation with resume on must be those with resume off. */
function addWireRows(report: Report, off: Awaited<ReturnType<typeof benchWireCosts>>, on: Awaited<ReturnType<typeof benchWireCosts>>): void {
  for (const op of ['join', 'mutex hand-off', 'channel message']) {
    const [withOff, withOn] = [off[op], on[op]]
    if (withOff === undefined || withOn === undefined) throw new Error(`no wire cost for ${op}`)
    report.add({
      name: `wire (resume on): ${op}`,
      impl: IMPL,
      median: withOn.messages,
      unit: 'messages',
      baseline: 'resume off',
      ratio: withOn.messages / withOff.messages,
      note: `${withOn.bytes} bytes; resume off: ${withOff.messages} messages, ${withOff.bytes} bytes`,
      target: '= resume off',
      met: withOn.messages === withOff.messages,
    })
  }
}

let runs = 0

/** Join and hand-off latency with resume on, each in blocks alternating with resume off. */
async function addLatencyRows(report: Report, on: SessionPair, off: SessionPair, rounds: number): Promise<void> {
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
async function addBulkRow(report: Report, on: SessionPair, off: SessionPair, bytes: number): Promise<void> {
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
