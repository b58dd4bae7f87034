import type { Session } from '../../src/session.js'
import { pairedRounds, wholeRound, type Paired, type Sample } from './paired.js'
import { timeRounds } from './stats.js'

/** What {@link benchLocks} measures, and how much of each. */
export interface LockBenchOptions {
  /** Lock+release rounds by the token holder (no message each). */
  relocks: number
  /** Acquisitions alternating between the sides, each a hand-off (one request, one grant). */
  handoffs: number
  /**
   * Rounds run before each latency row is measured (hand-offs: rounded up to even), so that the
   * rows time the steady state: V8 optimizes the lock path's functions only after a few thousand
   * hand-offs (see {@link STEADY_STATE_ROUNDS}).
   */
  warmUp: number
  /** Counter increments in total, half from each side at once; the final value is checked. */
  counter: number
  /** Read locks in total, half on each side at once (the follower under the read lease). */
  reads: number
  /** The raw RTT round on the same connection, timed in blocks alternating with the latencies. */
  baseline: Sample
}

/** What {@link benchLocks} measured. */
export interface LockBenchResult {
  relockPerSec: number
  handoff: Paired
  counterPerSec: number
  counterHandoffs: number
  readsPerSec: number
  readWriteRead: Paired
}

let benchRuns = 0

/**
 * Rounds of a lock latency row before it is timed in a full run. Measured over node-datachannel
 * (the built library, no other rows before, three runs on the 2-core machine): the hand-off took
 * 1.99–2.29× the raw RTT after 300 warm-up turns, 1.53–1.60× after 1,000, 1.25–1.36× after 3,000
 * and 1.25–1.39× after 10,000; `node --trace-opt` showed V8 optimizing 27 functions during the
 * rounds timed after 300 turns and 2 after 3,000. Timed earlier, the row measures the JIT warming
 * up (the JavaScript on the hand-off's critical path ran 3–4× slower), not the hand-off.
 */
export const STEADY_STATE_ROUNDS = 4000

/**
 * Lock benchmarks over an open session pair:
 * - `relockPerSec`: lock+release by the side holding the token (target ≥ 200,000/s);
 * - `handoff`: one acquisition from the side without the token, alternating (≈ 1 RTT);
 * - `counterPerSec` / `counterHandoffs`: contended increments from both sides, final value checked;
 * - `readsPerSec`: read locks taken and released on both sides at once;
 * - `readWriteRead`: a write on the holder while the peer holds the lease, then the peer's read
 *   of the new value (recall + return, then request + lease: ≈ 2 RTT).
 */
export async function benchLocks(pair: { leader: Session; follower: Session }, opts: LockBenchOptions): Promise<LockBenchResult> {
  const run = ++benchRuns
  const { leader, follower } = pair

  const relock = leader.mutex<number>(`bench.relock#${run}`, { initial: 0 })
  follower.mutex<number>(`bench.relock#${run}`)
  let started = performance.now()
  for (let i = 0; i < opts.relocks; i++) {
    const g = await relock.lock()
    await g.release()
  }
  const relockPerSec = opts.relocks / ((performance.now() - started) / 1000)

  const handoffLock = [leader.mutex<number>(`bench.handoff#${run}`, { initial: 0 }), follower.mutex<number>(`bench.handoff#${run}`)] as const
  const turn = async (i: number): Promise<void> => {
    const g = await handoffLock[i % 2]!.lock()
    g.value = i
    await g.release()
  }
  // Warm-up turns first (steady state, see STEADY_STATE_ROUNDS). Turn 0 is the leader's, where
  // the token starts; the even count ends on the follower's turn, so that every measured turn
  // (the first is the leader's again) is a hand-off.
  await timeRounds(2 * Math.ceil(opts.warmUp / 2), turn)
  const handoff = await pairedRounds(opts.handoffs, wholeRound(turn), opts.baseline)

  const counter = [leader.mutex<number>(`bench.counter#${run}`, { initial: 0 }), follower.mutex<number>(`bench.counter#${run}`)] as const
  let lastSide = -1
  let handOffs = 0
  started = performance.now()
  await Promise.all(
    counter.map(async (m, side) => {
      for (let i = 0; i < opts.counter / 2; i++) {
        await m.withLock((g) => {
          g.value += 1
          if (side !== lastSide) handOffs++
          lastSide = side
        })
        // Work outside the lock: lets the peer's requests in, so the lock is really contended.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }),
  )
  const counterPerSec = opts.counter / ((performance.now() - started) / 1000)
  const final = await counter[0].withLock((g) => g.value)
  if (final !== opts.counter) throw new Error(`shared counter ended at ${final}, expected ${opts.counter}`)

  const reads = [leader.rwlock<number>(`bench.reads#${run}`, { initial: 7 }), follower.rwlock<number>(`bench.reads#${run}`)] as const
  started = performance.now()
  await Promise.all(
    reads.map(async (lock) => {
      for (let i = 0; i < opts.reads / 2; i++) {
        const g = await lock.read()
        if (g.value !== 7) throw new Error(`a read saw ${g.value}`)
        await g.release()
      }
    }),
  )
  const readsPerSec = opts.reads / ((performance.now() - started) / 1000)

  const [holder, reader] = reads
  await reader.withRead(() => {})
  const readWriteRound = async (i: number): Promise<void> => {
    await holder.withWrite((g) => {
      g.value = i
    })
    const seen = await reader.withRead((g) => g.value)
    if (seen !== i) throw new Error(`read ${seen} after writing ${i}`)
  }
  await timeRounds(opts.warmUp, readWriteRound)
  const readWriteRead = await pairedRounds(Math.max(10, Math.min(200, opts.handoffs)), wholeRound(readWriteRound), opts.baseline)
  return { relockPerSec, handoff, counterPerSec, counterHandoffs: handOffs, readsPerSec, readWriteRead }
}
