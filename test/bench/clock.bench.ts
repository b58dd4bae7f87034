/**
 * Clock benchmarks (issue 5): netbeam's offset estimate against the `timesync` package over one
 * real WebRTC connection, and syncStart skew between two Node processes next to the floor
 * measured in the same run. Each function validates its own figures and throws when one is wrong.
 */
import { createRequire } from 'node:module'
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { Session } from '../../src/session.js'
import { defaultNow } from '../../src/clock/local-clock.js'
import { hrDiffMs, canPin, startPeerProcesses } from '../helpers/sync-start-procs.js'
import { rawNodeDataChannelPair, type RawDataChannelPair } from '../helpers/webrtc-pair.js'
import { percentile } from './stats.js'

/** Median, nearest-rank p95 / p99 and max of a set of absolute errors or skews, in ms. */
export interface Spread {
  median: number
  p95: number
  p99: number
  max: number
}

/** Options for {@link benchClockOffset}. */
export interface ClockOffsetOptions {
  /** Trials per injected skew; each opens a fresh session on a fresh DataChannel. @default 20 */
  trialsPerSkew?: number
  /** The follower's clock runs this far ahead (ms) of the leader's. @default [12345.678, -777.25] */
  skews?: number[]
  /** timesync's `delay` between requests (its README's peer-to-peer example). @default 200 */
  timesyncDelayMs?: number
  /** timesync's `repeat`. @default 5 (its default) */
  timesyncRepeat?: number
}

/** {@link benchClockOffset}'s figures: absolute offset errors in ms, and timesync ÷ netbeam. */
export interface ClockOffsetResult {
  trials: number
  netbeam: Spread
  timesync: Spread
  /** timesync's median error ÷ netbeam's: how many times more accurate netbeam is. */
  medianRatio: number
  p95Ratio: number
  /** Median round-trip time of netbeam's chosen samples, ms. */
  rttMedian: number
}

interface TimesyncInstance {
  offset: number
  send: (to: string, data: unknown, timeout: number) => Promise<void>
  receive: (from: string, data: unknown) => void
  sync: () => PromiseLike<void>
  destroy: () => void
}
type TimesyncCreate = (options: Record<string, unknown>) => TimesyncInstance

/**
 * Offset error of netbeam's estimator and of `timesync` 1.0.11, side by side over ONE
 * node-datachannel connection on 127.0.0.1. The follower's clock is `defaultNow() + skew`, so the
 * true offset (leader − follower) is exactly `−skew`. Each trial opens a new DataChannel on that
 * connection and a session pair on it (netbeam estimates while the session opens: its burst of
 * back-to-back probes), reads the follower's estimate, then runs one timesync `sync()` from the
 * skewed side over the same session (a port carrying timesync's JSON-RPC objects), configured as
 * its README's peer-to-peer example with the same skewed `now`. Its `offset` is also
 * leader − follower. Trials alternate skews; two warm-up trials are discarded.
 */
export async function benchClockOffset(options: ClockOffsetOptions = {}): Promise<ClockOffsetResult> {
  const { trialsPerSkew = 20, skews = [12_345.678, -777.25], timesyncDelayMs = 200, timesyncRepeat = 5 } = options
  // timesync ships CommonJS only; its lib/ needs the `promise` package (see clock-measured.md).
  const timesync = createRequire(import.meta.url)('timesync') as { create: TimesyncCreate }
  const raw = await rawNodeDataChannelPair()
  const netbeam: number[] = []
  const theirs: number[] = []
  const rtts: number[] = []
  try {
    const total = 2 + trialsPerSkew * skews.length
    for (let i = 0; i < total; i++) {
      const skew = skews[i % skews.length]!
      const trial = await runTrial(raw, i, skew, timesync.create, { delay: timesyncDelayMs, repeat: timesyncRepeat })
      if (i < 2) continue
      netbeam.push(trial.netbeam)
      theirs.push(trial.timesync)
      rtts.push(trial.rtt)
    }
  } finally {
    await raw.close()
  }
  const result = { trials: netbeam.length, netbeam: spread(netbeam), timesync: spread(theirs) }
  const medianRatio = result.timesync.median / result.netbeam.median
  const p95Ratio = result.timesync.p95 / result.netbeam.p95
  const rttMedian = percentile([...rtts].sort((a, b) => a - b), 50)
  for (const value of [medianRatio, p95Ratio, rttMedian]) if (!Number.isFinite(value)) throw new Error(`clock bench: non-finite figure ${value}`)
  return { ...result, medianRatio, p95Ratio, rttMedian }
}

async function runTrial(
  raw: RawDataChannelPair,
  i: number,
  skew: number,
  create: TimesyncCreate,
  ts: { delay: number; repeat: number },
): Promise<{ netbeam: number; timesync: number; rtt: number }> {
  const dcB = new Promise<RTCDataChannel>((resolve) => (raw.pcB.ondatachannel = (e) => resolve(e.channel)))
  const a = fromDataChannel(raw.pcA.createDataChannel(`trial${i}`))
  const b = fromDataChannel(await dcB)
  const nowA = defaultNow
  const nowB = (): number => defaultNow() + skew
  // Heartbeats far apart: only the opening burst feeds the estimate, and nothing else shares the channel.
  const quiet = { heartbeatMs: 60_000, timeoutMs: 120_000 }
  const [leader, follower] = await Promise.all([
    Session.open(a, { ...quiet, role: 'leader', now: nowA }),
    Session.open(b, { ...quiet, role: 'follower', now: nowB }),
  ])
  try {
    const { offsetMs: offset, errorBoundMs: errorBound, rttMs: rtt } = follower.clock
    const netbeam = Math.abs(offset + skew)
    // A constant offset on one machine: the bound is a hard one (plus float rounding near 1.7e12).
    if (!(netbeam <= errorBound + 1e-3)) throw new Error(`clock bench: error ${netbeam} ms exceeds its bound ${errorBound} ms`)
    const answering = create({ peers: [], now: nowA, interval: null })
    const syncing = create({ peers: ['A'], now: nowB, interval: null, delay: ts.delay, repeat: ts.repeat, timeout: 1000 })
    const key = `timesync${i}`
    const wire = (session: Session, instance: TimesyncInstance, from: string): void => {
      // A typed channel of the session: timesync's messages share the session's connection.
      const channel = session.channel<unknown>(key)
      void (async () => {
        for await (const m of channel) instance.receive(from, m)
      })().catch(() => {}) // the read rejects once the session closes, at the end of the trial
      // As in timesync's PeerJS example: send, and resolve at once.
      instance.send = (_to, data) => {
        void channel.send(data).catch(() => {})
        return Promise.resolve()
      }
    }
    wire(leader, answering, 'B')
    wire(follower, syncing, 'A')
    await syncing.sync()
    syncing.destroy()
    answering.destroy()
    const theirs = Math.abs(syncing.offset + skew)
    if (!Number.isFinite(theirs) || !Number.isFinite(netbeam)) throw new Error(`clock bench: non-finite error (${netbeam}, ${theirs})`)
    return { netbeam, timesync: theirs, rtt }
  } finally {
    await Promise.all([leader.close(), follower.close()])
  }
}

/** Options for {@link benchSyncStartSkew}. */
export interface SyncStartSkewOptions {
  /** Measured starts per placement, and as many floor rounds interleaved with them. @default 200 */
  rounds?: number
  /** syncStart's `delayMs`, and how far ahead the floor's target is set. @default 20 */
  delayMs?: number
  /** Injected into the follower process's clock. @default 12345.678 */
  skewMs?: number
  /** Also measure with each process pinned to its own CPU (`taskset`), when available. @default true */
  pinned?: boolean
}

/** One placement's figures: |leader start − follower start| on hrtime, ms. */
export interface SkewRow {
  syncStart: Spread
  /** Two processes waiting for one hrtime instant with timer + spin, no network: the floor. */
  floor: Spread
  /** The follower's |offset error| (ms) at each start: its share of the skew. */
  offsetError: Spread
  /** Starts refused as `late` (not counted in `syncStart`); 0 on a machine that is not overloaded. */
  refused: number
}

/** {@link benchSyncStartSkew}'s figures. */
export interface SyncStartSkewResult {
  rounds: number
  unpinned: SkewRow
  /** Absent when `taskset` is unavailable or `pinned` is false. */
  pinned?: SkewRow
}

/**
 * syncStart skew between two Node processes over one real WebRTC DataChannel (node-datachannel,
 * 127.0.0.1; signalling over IPC): each start records `process.hrtime.bigint()`, one monotonic
 * clock for both processes. Interleaved with every start, the floor round of research/clock-
 * measured.md §4: both processes wait for one hrtime instant `delayMs` ahead with the same timer
 * + spin and no network. Ten warm-up rounds of each are discarded.
 */
export async function benchSyncStartSkew(options: SyncStartSkewOptions = {}): Promise<SyncStartSkewResult> {
  const { rounds = 200, delayMs = 20, skewMs = 12_345.678, pinned = true } = options
  const unpinned = await skewRow(false, rounds, delayMs, skewMs)
  const pinnedRow = pinned && (await canPin()) ? await skewRow(true, rounds, delayMs, skewMs) : undefined
  return pinnedRow === undefined ? { rounds, unpinned } : { rounds, unpinned, pinned: pinnedRow }
}

async function skewRow(pin: boolean, rounds: number, delayMs: number, skewMs: number): Promise<SkewRow> {
  const peers = await startPeerProcesses({ skewMs, pin })
  const starts: number[] = []
  const floor: number[] = []
  const offsetErrors: number[] = []
  let refused = 0
  try {
    const { offsetMs: offset, errorBoundMs: errorBound } = peers.openClock
    // The true offset is the injected skew plus how the two processes' timeOrigins differ.
    const [low, high] = peers.trueOffset
    const trueOffset = (low + high) / 2
    if (!(offset >= low - errorBound - 1e-3 && offset <= high + errorBound + 1e-3)) {
      throw new Error(`clock bench: two-process offset ${offset} is off the true [${low}, ${high}] by more than ${errorBound}`)
    }
    const warmUp = 10
    // Bounded: a few refused (late) starts are tolerated and reported, more mean a broken run.
    const maxAttempts = warmUp + rounds + Math.ceil(rounds / 10)
    for (let i = 0; starts.length < rounds; i++) {
      if (i >= maxAttempts) throw new Error(`clock bench: ${refused} of ${i} synchronized starts were refused`)
      const s = await peers.syncStart(`bench${i}`, delayMs)
      const f = await peers.floor(delayMs)
      if (i < warmUp) continue
      if (!s.ok) {
        refused++
        continue
      }
      starts.push(hrDiffMs(s.leaderHr, s.followerHr))
      floor.push(hrDiffMs(f.leaderHr, f.followerHr))
      offsetErrors.push(Math.abs(s.clock.offsetMs - trueOffset))
    }
  } finally {
    await peers.close()
  }
  return { syncStart: spread(starts), floor: spread(floor), offsetError: spread(offsetErrors), refused }
}

function spread(samples: number[]): Spread {
  if (samples.length === 0) throw new Error('clock bench: no samples')
  for (const s of samples) if (!Number.isFinite(s) || s < 0) throw new Error(`clock bench: bad sample ${s}`)
  const sorted = [...samples].sort((a, b) => a - b)
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1)! }
}
