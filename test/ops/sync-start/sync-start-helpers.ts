/**
 * Helpers for the syncStart tests over memory pairs (not a test file: vitest only runs *.test.ts).
 */
import { afterEach, expect } from 'vitest'
import type { MemoryPairOptions } from '../../../src/transport/memory.js'
import { defaultNow } from '../../../src/clock/local-clock.js'
import type { SyncStartInfo } from '../../../src/ops/sync-start/sync-start.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import { sessionCore } from '../../../src/session.js'

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

let barriers = 0

/**
 * Resolves once everything either side posted before the call, and the immediate answers to it,
 * has arrived: two rounds of one message each way on fresh raw ports of the ordered channel.
 */
export async function delivered(p: Pair): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const key = `barrier:${++barriers}`
    await Promise.all(
      [p.leader, p.follower].map(
        (session) =>
          new Promise<void>((resolve, reject) => {
            const port = sessionCore(session).openPort<number, unknown>('test-barrier', key, {
              parse: (m) => m,
              onMessage: () => {
                port.release()
                resolve()
              },
              onClose: reject,
            })
            port.post(0)
          }),
      ),
    )
  }
}

/** Both sides can use `key` again (so both released it) and no stray message for it closes the session. */
export async function expectKeyFree(p: Pair, key: string): Promise<void> {
  await delivered(p)
  const again = [p.leader.syncStart(() => 'again', { key, ...AHEAD }), p.follower.syncStart(() => 'again', { key })]
  await expect(Promise.all(again)).resolves.toEqual(['again', 'again'])
  await delivered(p)
  expect([sessionCore(p.leader).isClosed, sessionCore(p.follower).isClosed]).toEqual([false, false])
}

/** Port messages both sides sent under `key`. */
export function messagesFor(p: Pair, key: string): number {
  return (p.leaderCounts.byKey.get(key) ?? 0) + (p.followerCounts.byKey.get(key) ?? 0)
}

const PENDING = Symbol('pending')
/** Whether `promise` has settled yet (settled promises win the race by order). */
export async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  const first = await Promise.race([promise, Promise.resolve(PENDING)]).catch(() => undefined)
  return first === PENDING ? 'pending' : 'settled'
}

/** The rejection reason, failing the test if the promise fulfilled. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`)
    },
    (err: unknown) => err,
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
