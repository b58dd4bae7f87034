/**
 * `npm run bench`: every benchmark in one run on this machine, side by side with its baseline,
 * printed as one table and written to test/bench/results.json. `--quick` runs tiny sizes: the
 * smoke test in `npm test` uses it to check that the suite runs and validates its own results.
 * `--codec`, `--resume`, `--path` and `--rpc` run only those rows (resume on the lossy path is in both of
 * the last two); `--locks` runs only the raw RTT and the lock rows of the default stack.
 */
import { fileURLToPath } from 'node:url'
import { openSessions } from '../helpers/session-pair.js'
import {
  nodeDataChannelPair,
  rawNodeDataChannelPair,
  rawWrtcDataChannelPair,
  wrtcDataChannelPair,
  type DataChannelFramePair,
  type RawDataChannelPair,
} from '../helpers/webrtc-pair.js'
import { benchTypedChannel } from './channel.bench.js'
import { benchClock } from './clock-rows.js'
import { addCodecRows } from './codec-rows.js'
import { benchLocks, STEADY_STATE_ROUNDS } from './locks.bench.js'
import { benchOps } from './ops.bench.js'
import { benchPath } from './path.bench.js'
import { pairedLatencyRow, wholeRound, type Paired } from './paired.js'
import { benchRawCrossing, benchRawRtt, benchRawThroughput, rawPinger } from './raw.bench.js'
import { Report } from './report.js'
import { benchResumePath } from './resume-path.bench.js'
import { benchRpc, type RpcBenchSize } from './rpc.bench.js'
import { benchResume, type ResumeBenchSize } from './resume.bench.js'
import { benchScale } from './scale.bench.js'
import { benchSimplePeerThroughput } from './simple-peer.bench.js'
import { timeRounds } from './stats.js'
import { benchWireCosts } from './wire.bench.js'

const quick = process.argv.includes('--quick')
/** `--codec`: only the codec rows. */
const codecOnly = process.argv.includes('--codec')
/** `--resume`: only the session resume rows (loopback and lossy path). */
const resumeOnly = process.argv.includes('--resume')
/** `--path`: only the lossy-path rows (resume on that path included). */
const pathOnly = process.argv.includes('--path')
/** `--rpc`: only the rpc rows. */
const rpcOnly = process.argv.includes('--rpc')
/** `--locks`: only the raw RTT and the lock rows, on the default stack. */
const locksOnly = process.argv.includes('--locks')
const size = quick
  ? { rtt: 50, ops: 20, relocks: 2000, handoffs: 20, lockWarmUp: 40, counter: 200, reads: 200, small: 500, bulk: 2 << 20, scale: 1000 }
  : { rtt: 2000, ops: 500, relocks: 200_000, handoffs: 500, lockWarmUp: STEADY_STATE_ROUNDS, counter: 10_000, reads: 20_000, small: 20_000, bulk: 64 << 20, scale: 10_000 }

const resumeSize: ResumeBenchSize = quick
  ? { resumeBlocks: 2, resumesPerBlock: 2, pingsPerBlock: 20, latencyRounds: 20, bulkBytes: 2 << 20 }
  : { resumeBlocks: 10, resumesPerBlock: 5, pingsPerBlock: 100, latencyRounds: 500, bulkBytes: 2 * (64 << 20) }

const rpcSize: RpcBenchSize = quick
  ? { rounds: 20, warmUp: 40, bulkBytes: 2 << 20, pending: 1000 }
  : { rounds: 500, warmUp: STEADY_STATE_ROUNDS, bulkBytes: 2 * (64 << 20), pending: 10_000 }

/** The label of the raw channel opened next to the session's, on the same connection. */
const BASELINE = 'baseline'

interface Stack {
  readonly name: string
  readonly raw: () => Promise<RawDataChannelPair>
  readonly frames: () => Promise<DataChannelFramePair>
  /** The default stack runs every row; the second one rows 1–3 and 5. */
  readonly primary: boolean
}

const stacks: Stack[] = [
  { name: 'node-datachannel', raw: () => rawNodeDataChannelPair(), frames: () => nodeDataChannelPair({}, BASELINE), primary: true },
  { name: '@roamhq/wrtc', raw: () => rawWrtcDataChannelPair(), frames: () => wrtcDataChannelPair({}, BASELINE), primary: false },
]

async function benchStack(report: Report, stack: Stack): Promise<void> {
  const impl = stack.name
  const suffix = stack.primary ? '' : ` [${impl}]`
  const raw = await stack.raw()
  let rawMBps = NaN
  try {
    const rtt = await benchRawRtt(raw, size.rtt)
    report.add({ name: `raw DataChannel RTT${suffix}`, impl, median: rtt.median, p99: rtt.p99, unit: 'ms' })
    if (!locksOnly) {
      const crossing = await benchRawCrossing(raw, size.rtt)
      report.add({
        name: `raw crossing messages${suffix}`,
        impl,
        median: crossing.median,
        p99: crossing.p99,
        unit: 'ms',
        baseline: 'raw RTT',
        ratio: crossing.median / rtt.median,
        note: 'both ends send at once and wait for the other: the floor under join/exchange',
      })
      rawMBps = await benchRawThroughput(raw, size.bulk)
      report.add({ name: `raw DataChannel throughput${suffix}`, impl, median: rawMBps, unit: 'MB/s' })
    }
  } finally {
    await raw.close()
  }

  const frames = await stack.frames()
  const baselineChannels = frames.raw.baseline
  if (baselineChannels === undefined) throw new Error('the frame pair has no baseline channel')
  const pinger = rawPinger(baselineChannels)
  const pair = await openSessions([frames.a, frames.b], { leader: { heartbeatMs: 1000 }, follower: { heartbeatMs: 1000 } })
  // The issues' targets are for the default stack; the second stack's rows are for comparison.
  const goal = <T extends object>(row: T): T | Record<string, never> => (stack.primary ? row : {})
  /** A latency row with its ratio to the raw RTT timed alongside it, and its target if it has one. */
  const pairedRow = (name: string, measured: Paired, target?: number): void => {
    report.add(pairedLatencyRow(name, impl, measured, stack.primary ? target : undefined))
  }
  try {
    const baseline = wholeRound(pinger.round)
    await timeRounds(Math.min(200, size.rtt), baseline)
    if (!locksOnly) {
      const ops = await benchOps(pair, { rounds: size.ops, baseline })
      const targets: Record<string, number> = { join: 0.75, select: 1.25 }
      for (const [kind, latency] of Object.entries(ops)) pairedRow(`${kind} latency${suffix}`, latency, targets[kind])
    }
    const { relocks, handoffs, lockWarmUp: warmUp, counter, reads } = size
    const locks = await benchLocks(pair, { relocks, handoffs, warmUp, counter, reads, baseline })
    report.add({ name: `mutex re-lock by holder${suffix}`, impl, median: locks.relockPerSec, unit: 'ops/s', ...goal({ target: '≥ 200,000/s', met: locks.relockPerSec >= 200_000 }) })
    pairedRow(`mutex hand-off${suffix}`, locks.handoff, 1.25)
    report.add({ name: `mutex ${size.counter} contended increments${suffix}`, impl, median: locks.counterPerSec, unit: 'ops/s', note: `${locks.counterHandoffs} hand-offs, final value checked` })
    if (stack.primary) {
      report.add({ name: 'rwlock concurrent reads, both sides', impl, median: locks.readsPerSec, unit: 'ops/s' })
      pairedRow('rwlock read→write→read', locks.readWriteRead)
    }
    if (locksOnly) return
    // The pinger echoes whatever reaches the baseline channel's far end: not the bulk baseline's data.
    pinger.dispose()
    const channel = await benchTypedChannel(pair, {
      smallCount: size.small,
      // Twice the other transfers, in eight blocks: the ratio of two throughputs that each vary
      // by ~10% between blocks needs more than a few samples.
      bulkBytes: 2 * size.bulk,
      blocks: 8,
      baseline: (bytes) => benchRawThroughput(baselineChannels, bytes),
    })
    report.add({ name: `channel small messages${suffix}`, impl, median: channel.smallMsgsPerSec, unit: 'msg/s' })
    const pairedMBps = channel.baselineMBps ?? NaN
    const ratio = channel.bulkMBps / pairedMBps
    report.add({
      name: `channel bulk throughput${suffix}`,
      impl,
      median: channel.bulkMBps,
      unit: 'MB/s',
      baseline: 'raw (paired)',
      ratio,
      note: `raw DataChannel on the same connection, in alternating blocks: ${pairedMBps.toFixed(1)} MB/s`,
      ...goal({ target: '≥ 0.9× raw', met: ratio >= 0.9 }),
    })
    if (stack.primary) {
      const scale = await benchScale(pair, size.scale)
      report.add({ name: `${scale.ops} concurrent joins: all resolved`, impl, median: scale.completeMs, unit: 'ms', note: `peak RSS ${scale.peakRssMB.toFixed(0)} MB, heap ${scale.peakHeapMB.toFixed(0)} MB` })
      report.add({ name: 'memory per pending join', impl, median: scale.heapPerPendingOp, unit: 'bytes' })
      for (const [op, cost] of Object.entries(await benchWireCosts(pair))) {
        // Issue 15's goal for scopes: opening one costs no message.
        const scopeGoal = op === 'opening a scope' ? goal({ target: '0 extra messages', met: cost.messages === 0 }) : {}
        report.add({ name: `wire: ${op}`, impl, median: cost.messages, unit: 'messages', note: `${cost.bytes} bytes; original: ${cost.original}`, ...scopeGoal })
      }
    }
  } finally {
    pinger.dispose()
    await pair.close()
    await frames.close()
  }
  const sp = await benchSimplePeerThroughput(stack.primary ? 'node-datachannel' : 'wrtc', size.bulk)
  report.add({ name: `simple-peer send throughput${suffix}`, impl, median: sp.simplePeerMBps, unit: 'MB/s', baseline: 'raw', ratio: sp.simplePeerMBps / rawMBps })
  report.add({ name: `channel over simple-peer${suffix}`, impl, median: sp.netbeamMBps, unit: 'MB/s', baseline: 'simple-peer send', ratio: sp.netbeamMBps / sp.simplePeerMBps })
}

/** What the figures are of: the built library under `npm run bench`, else the sources. */
async function measuredCode(): Promise<string> {
  if (process.env['NETBEAM_BENCH_DIST'] !== '1') return 'the sources (through tsx)'
  // dist/index.js exports everything; src/session.js alone would not have this.
  if (!('fromDataChannel' in (await import('../../src/session.js')))) throw new Error('use-dist did not redirect the library')
  return 'the built library (dist/index.js)'
}

async function main(): Promise<void> {
  const started = performance.now()
  const code = await measuredCode()
  const report = new Report()
  // First, while no WebRTC stack runs threads beside it: it measures CPU time alone.
  const all = !codecOnly && !resumeOnly && !pathOnly && !locksOnly && !rpcOnly
  if (all || codecOnly) addCodecRows(report, quick)
  if (all) for (const stack of stacks) await benchStack(report, stack)
  else if (locksOnly) await benchStack(report, stacks[0]!)
  if (all || rpcOnly) await benchRpc(report, rpcSize)
  if (all || resumeOnly) await benchResume(report, resumeSize)
  if (all) await benchClock(report, quick)
  if (all || pathOnly) await benchPath(report, quick)
  // Both a resume row and a lossy-path row: either selector runs it.
  if (all || resumeOnly || pathOnly) await benchResumePath(report, quick)
  const only = codecOnly ? 'codec ' : resumeOnly ? 'resume ' : pathOnly ? 'lossy-path ' : locksOnly ? 'lock ' : rpcOnly ? 'rpc ' : ''
  console.log(`\nnetbeam ${only}benchmarks${quick ? ' (--quick: tiny sizes, figures not meaningful)' : ''}, Node ${process.version}, ${code}\n`)
  console.log(report.table())
  const outArg = process.argv.find((arg) => arg.startsWith('--out='))
  const out = outArg === undefined ? fileURLToPath(new URL('./results.json', import.meta.url)) : outArg.slice('--out='.length)
  report.write(out, { date: new Date().toISOString(), node: process.version, code, quick, seconds: (performance.now() - started) / 1000 })
  console.log(`\nwritten to ${out} in ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('benchmark failed:', err)
    process.exit(1)
  },
)
