import type { Session } from '../../src/session/session.js'
import { summarize, timeRounds } from './stats.js'

/** What {@link benchLocks} measures, and how much of each. */
export interface LockBenchOptions {
  /** Lock+release rounds by the token holder (no message each). */
  relocks: number
  /** Acquisitions alternating between the sides, each a hand-off (one request, one grant). */
  handoffs: number
  /** Counter increments in total, half from each side at once; the final value is checked. */
  counter: number
  /** Read locks in total, half on each side at once (the follower under the read lease). */
  reads: number
}

type Result = Record<string, number | { median: number; p99: number }>

let benchRuns = 0

/**
 * Lock benchmarks over an open session pair:
 * - `relockPerSec`: lock+release by the side holding the token (target ≥ 200,000/s);
 * - `handoffMs`: one acquisition from the side without the token, alternating (≈ 1 RTT);
 * - `counterPerSec` / `counterHandoffs`: contended increments from both sides, final value checked;
 * - `readsPerSec`: read locks taken and released on both sides at once;
 * - `readWriteReadMs`: a write on the holder while the peer holds the lease, then the peer's read
 *   of the new value (recall + return, then request + lease: ≈ 2 RTT).
 */
export async function benchLocks(pair: { leader: Session; follower: Session }, opts: LockBenchOptions): Promise<Result> {
  const run = ++benchRuns
  const { leader, follower } = pair
  const result: Result = {}

  const relock = leader.mutex<number>(`bench.relock#${run}`, { initial: 0 })
  follower.mutex<number>(`bench.relock#${run}`)
  let started = performance.now()
  for (let i = 0; i < opts.relocks; i++) {
    const g = await relock.lock()
    await g.release()
  }
  result['relockPerSec'] = opts.relocks / ((performance.now() - started) / 1000)

  const handoff = [leader.mutex<number>(`bench.handoff#${run}`, { initial: 0 }), follower.mutex<number>(`bench.handoff#${run}`)] as const
  const turn = async (i: number): Promise<void> => {
    const g = await handoff[i % 2]!.lock()
    g.value = i
    await g.release()
  }
  // Warm-up turns first (steady state, as for the one-shot operations); an even count leaves the
  // token with the leader, so every measured turn after the first is a hand-off.
  const warmUp = 2 * Math.min(150, opts.handoffs)
  await timeRounds(warmUp, turn)
  const turns = await timeRounds(opts.handoffs + 1, turn)
  // Turn 0 is the leader's, where the token is: not a hand-off. Every later turn is one.
  const handoffMs = summarize(turns.slice(1))
  result['handoffMs'] = { median: handoffMs.median, p99: handoffMs.p99 }

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
  result['counterPerSec'] = opts.counter / ((performance.now() - started) / 1000)
  result['counterHandoffs'] = handOffs
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
  result['readsPerSec'] = opts.reads / ((performance.now() - started) / 1000)

  const [holder, reader] = reads
  await reader.withRead(() => {})
  const turnaround = await timeRounds(Math.max(10, Math.min(200, opts.handoffs)), async (i) => {
    await holder.withWrite((g) => {
      g.value = i
    })
    const seen = await reader.withRead((g) => g.value)
    if (seen !== i) throw new Error(`read ${seen} after writing ${i}`)
  })
  const rwr = summarize(turnaround)
  result['readWriteReadMs'] = { median: rwr.median, p99: rwr.p99 }
  return result
}
