/**
 * Helpers for the syncStart tests over memory pairs (not a test file: vitest only runs *.test.ts).
 */
import { afterEach, expect } from 'vitest'
import type { MemoryPairOptions } from '../../../src/transport/memory.js'
import { defaultNow } from '../../../src/clock/local-clock.js'
import type { SyncStartInfo } from '../../../src/ops/sync-start/sync-start.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import { expectKeyFree as expectSessionKeyFree } from '../../helpers/session-probes.js'

const seed = seedFromEnv()
console.log(`syncStart tests: SEED=${seed}`)
/** Seeded: replay a run with `SEED=<seed>`. */
export const random = prng(seed)

export type Pair = Awaited<ReturnType<typeof memorySessions>>
let open: SessionPair[] = []
/** A memory pair whose follower clock reads true time + `skew` ms; closed after each test. */
export async function pair(skew = 12_345.678, link: MemoryPairOptions = { latencyMs: 0.3, jitterMs: 0.3, random }): Promise<Pair> {
  const p = await memorySessions(link, { follower: { now: () => defaultNow() + skew } })
  open.push(p)
  return p
}
afterEach(async () => {
  await Promise.all(open.map((p) => p.close()))
  open = []
})

/** Both sides can use `key` again with syncStart (so both released it), and both stay open. */
export function expectKeyFree(p: Pair, key: string): Promise<void> {
  return expectSessionKeyFree(p, key, (session, k, side) =>
    session.syncStart(() => 'again', side === 'leader' ? { key: k, ...AHEAD } : { key: k }),
  )
}

/** For tests about anything but timing: far enough ahead that a busy CI machine is never late. */
export const AHEAD = { delayMs: 300 }

/** One start as {@link recorder} saw it. */
export interface RecordedStart<P> {
  /** True time (the unskewed clock) when the function ran. */
  trueAt: number
  info: SyncStartInfo<P>
  /**
   * When, in true time, this side's view of the shared timeline read `info.at`: between these two
   * instants. The function reads true time, its view, and true time again; how late its view says
   * it is, taken from either true reading, brackets that instant however long the thread was
   * descheduled in between.
   */
  agreedAt: [number, number]
  /** How late its view said it was when the function read it (ms). */
  viewLate: number
  /** The side's clock error bound then (only the follower's means anything). */
  errorBound: number
}

/** A start function for `side` that records when it ran and where its view put the agreed instant. */
export function recorder<P>(side: { now(): number; readonly clock: { readonly errorBoundMs: number } }) {
  const calls: RecordedStart<P>[] = []
  const fn = (info: SyncStartInfo<P>) => {
    const before = defaultNow()
    const viewLate = side.now() - info.at
    const after = defaultNow()
    calls.push({ trueAt: before, info, agreedAt: [before - viewLate, after - viewLate], viewLate, errorBound: side.clock.errorBoundMs })
    return calls.length
  }
  return { fn, calls }
}

/**
 * Checks that two recorded starts were scheduled for one instant of true time: where the leader's
 * and the follower's views put the agreed instant may differ only by the follower's clock error
 * bound (the leader's clock is the timeline). How late each side then ran is the machine's doing
 * (the OS may deschedule this thread); each side reports it, and must not report more than it
 * was. Returns the true-time difference of the two starts.
 */
export function expectSameInstant(l: RecordedStart<unknown>, f: RecordedStart<unknown>): number {
  const gap = Math.max(0, l.agreedAt[0] - f.agreedAt[1], f.agreedAt[0] - l.agreedAt[1])
  expect(gap, `agreed instants ${gap} ms apart; follower error bound ${f.errorBound} ms`).toBeLessThanOrEqual(f.errorBound + EPS)
  for (const side of [l, f]) expect(side.info.lateByMs).toBeLessThanOrEqual(side.viewLate + EPS)
  return l.trueAt - f.trueAt
}

/**
 * Float slack: readings near 1.7e12 ms (timeOrigin + now) carry ~2.4e-4 ms of rounding each, and
 * the skews here reach 1e6 ms.
 */
const EPS = 1e-3
