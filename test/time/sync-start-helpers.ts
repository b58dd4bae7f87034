/**
 * Helpers for the syncStart tests over memory pairs (not a test file: vitest only runs *.test.ts).
 */
import { afterEach, expect } from 'vitest'
import type { MemoryPairOptions } from '../../src/channel/memory.js'
import { defaultNow } from '../../src/time/local-clock.js'
import type { SyncStartInfo } from '../../src/time/sync-start.js'
import { prng, seedFromEnv } from '../helpers/prng.js'
import { memorySessions, type SessionPair } from '../helpers/session-pair.js'

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
            const port = session.openPort<number, unknown>('test-barrier', key, {
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
  expect([p.leader.isClosed, p.follower.isClosed]).toEqual([false, false])
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

/** A start function that records the true time (the unskewed clock) it was called at. */
export function recorder<P>() {
  const calls: { trueAt: number; info: SyncStartInfo<P> }[] = []
  const fn = (info: SyncStartInfo<P>) => {
    calls.push({ trueAt: defaultNow(), info })
    return calls.length
  }
  return { fn, calls }
}

/**
 * Checks that two recorded starts happened at one instant of true time. `Δ = tL − tF` has two
 * parts: where each side's clock view put the agreed instant (the clock estimate's error) and how
 * late each actually ran (the OS may deschedule this thread between the two calls; each side
 * reports that as `lateByMs`). The first must always be < 2 ms; Δ itself must be < 2 ms whenever
 * the two sides were not delayed differently. Returns whether that was the case.
 */
export function expectSameInstant(l: { trueAt: number; info: SyncStartInfo<unknown> }, f: { trueAt: number; info: SyncStartInfo<unknown> }): boolean {
  const delta = l.trueAt - f.trueAt
  const lateDiff = l.info.lateByMs - f.info.lateByMs
  expect(Math.abs(delta - lateDiff), `agreed instants ${delta - lateDiff} ms apart`).toBeLessThan(2)
  const even = Math.abs(lateDiff) < 0.5
  if (even) expect(Math.abs(delta), `starts ${delta} ms apart`).toBeLessThan(2)
  return even
}
