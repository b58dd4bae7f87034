/**
 * What the codec's hand-written plain path is worth end to end: join latency, mutex hand-off and
 * channel bulk throughput over the same session pair, in blocks that alternate between the plain
 * path switched off (every frame through cbor-x and the guard) and on.
 */
import type { Session } from '../../src/session.js'
import { openSessions } from '../helpers/session-pair.js'
import { nodeDataChannelPair } from '../helpers/webrtc-pair.js'
import { bulkRun } from './channel.bench.js'
import { setPlainPath } from './codec.bench.js'
import { alternateBlocks, pairedRounds, type Paired } from './paired.js'
import { timeRounds } from './stats.js'

export interface PlainPathResult {
  /** subject: plain path off; baseline: on. */
  readonly join: Paired
  readonly handoff: Paired
  readonly bulkOffMBps: number
  readonly bulkOnMBps: number
  /** CPU time of the whole process (every thread) per MB sent, off and on: less sensitive to other load. */
  readonly bulkOffCpuMsPerMB: number
  readonly bulkOnCpuMsPerMB: number
  /** CPU time of the whole process per join / hand-off, off and on: on a loaded machine this, not latency, shows the codec's cost. */
  readonly joinCpuMs: { off: number; on: number }
  readonly handoffCpuMs: { off: number; on: number }
}

/** CPU time spent in timed rounds, and how many. */
interface CpuTally {
  ms: number
  rounds: number
}

const cpuTally = (): CpuTally => ({ ms: 0, rounds: 0 })
const perRound = (tally: CpuTally): number => tally.ms / tally.rounds

let runs = 0
const BULK_CHUNK = 64 * 1024

/**
 * Runs `round` with the plain path set as given (both sides share this process's switch), adding
 * the process's CPU time for it to `tally`.
 */
const withPlain = (on: boolean, round: (i: number) => Promise<number>, tally = cpuTally()) => async (i: number): Promise<number> => {
  setPlainPath(on)
  const cpu = process.cpuUsage()
  const ms = await round(i)
  const used = process.cpuUsage(cpu)
  tally.ms += (used.user + used.system) / 1000
  tally.rounds++
  return ms
}

export async function benchPlainPath(
  pair: { leader: Session; follower: Session },
  opts: { rounds: number; bulkBytes: number; blocks: number },
): Promise<PlainPathResult> {
  const run = ++runs
  try {
    const joinRound = async (i: number): Promise<number> => {
      const key = `plain:${run}:join:${i}`
      const started = performance.now()
      await Promise.all([pair.leader.join(() => 1, { key }), pair.follower.join(() => 2, { key })])
      return performance.now() - started
    }
    const mutexes = [pair.leader.mutex<number>(`plain.handoff#${run}`, { initial: 0 }), pair.follower.mutex<number>(`plain.handoff#${run}`)] as const
    // Every turn is a hand-off: the sides alternate, starting on the follower (the leader holds it).
    let turns = 0
    const handoffRound = async (): Promise<number> => {
      const started = performance.now()
      const g = await mutexes[++turns % 2]!.lock()
      g.value = turns
      await g.release()
      return performance.now() - started
    }
    // Warm-up with both settings: both paths compiled before either is timed.
    for (const on of [true, false]) {
      await timeRounds(Math.min(200, opts.rounds), withPlain(on, joinRound))
      await timeRounds(2 * Math.min(100, opts.rounds), withPlain(on, handoffRound))
      setPlainPath(on)
      await bulkRun(pair, Math.min(4 << 20, opts.bulkBytes))
    }
    const joinCpu = { off: cpuTally(), on: cpuTally() }
    const handoffCpu = { off: cpuTally(), on: cpuTally() }
    const join = await pairedRounds(opts.rounds, withPlain(false, joinRound, joinCpu.off), withPlain(true, joinRound, joinCpu.on))
    // An even block size keeps each block's turns on alternating sides.
    const handoff = await pairedRounds(opts.rounds, withPlain(false, handoffRound, handoffCpu.off), withPlain(true, handoffRound, handoffCpu.on), 50)
    const blockBytes = Math.ceil(opts.bulkBytes / opts.blocks / BULK_CHUNK) * BULK_CHUNK
    const off = { ms: 0, cpuMs: 0 }
    const on = { ms: 0, cpuMs: 0 }
    const bulkBlock = (plain: boolean, into: typeof off) => async (): Promise<void> => {
      setPlainPath(plain)
      const cpu = process.cpuUsage()
      into.ms += await bulkRun(pair, blockBytes)
      const used = process.cpuUsage(cpu)
      into.cpuMs += (used.user + used.system) / 1000
    }
    await alternateBlocks(opts.blocks, bulkBlock(false, off), bulkBlock(true, on))
    const mb = (opts.blocks * blockBytes) / 1e6
    return {
      join,
      handoff,
      bulkOffMBps: mb / (off.ms / 1000),
      bulkOnMBps: mb / (on.ms / 1000),
      bulkOffCpuMsPerMB: off.cpuMs / mb,
      bulkOnCpuMsPerMB: on.cpuMs / mb,
      joinCpuMs: { off: perRound(joinCpu.off), on: perRound(joinCpu.on) },
      handoffCpuMs: { off: perRound(handoffCpu.off), on: perRound(handoffCpu.on) },
    }
  } finally {
    setPlainPath(true)
  }
}

/** {@link benchPlainPath} over a fresh node-datachannel session pair (`npm run bench -- --codec`). */
export async function benchPlainPathAlone(opts: { rounds: number; bulkBytes: number; blocks: number }): Promise<PlainPathResult> {
  const frames = await nodeDataChannelPair()
  const pair = await openSessions([frames.a, frames.b], { leader: { heartbeatMs: 1000 }, follower: { heartbeatMs: 1000 } })
  try {
    return await benchPlainPath(pair, opts)
  } finally {
    await pair.close()
    await frames.close()
  }
}
