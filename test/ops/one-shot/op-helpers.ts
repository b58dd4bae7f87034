/**
 * Helpers shared by the join / select / exchange tests: tasks the test settles by hand or by a
 * timer, a barrier that proves earlier messages were delivered, and promise-state probes.
 */
import { afterEach, expect } from 'vitest'
import { deferred } from '../../../src/base/deferred.js'
import type { Session } from '../../../src/session.js'
import type { NetTask } from '../../../src/ops/one-shot/join.js'
import type { Random } from '../../helpers/prng.js'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'

/** A task that settles only when the test says so (never by itself when aborted). */
export interface ManualTask<T> {
  readonly fn: NetTask<T>
  resolve(value: T): void
  reject(error: unknown): void
  /** The signal the primitive handed to the task (undefined until called). */
  readonly signal: AbortSignal | undefined
  readonly calls: number
}

export function manualTask<T>(): ManualTask<T> {
  const settle = deferred<T>()
  let signal: AbortSignal | undefined
  let calls = 0
  return {
    fn: (s) => {
      calls++
      signal = s
      return settle.promise
    },
    resolve: settle.resolve,
    reject: settle.reject,
    get signal() {
      return signal
    },
    get calls() {
      return calls
    },
  }
}

/** A task that succeeds (or fails) after `delayMs`, stops at once when aborted, and records when it finished. */
export interface TimedTask<T> {
  readonly fn: NetTask<T>
  /** When the task finished, on `clock`; undefined if it was aborted first. */
  finishedAt: number | undefined
  /**
   * An instant by which the primitive has certainly seen the result (a microtask queued after its
   * reaction). The primitive's own completion instant lies between the two: on a loaded machine
   * the thread can be preempted in between.
   */
  reportedAt: number | undefined
  signal: AbortSignal | undefined
}

export function timedTask<T>(delayMs: number, outcome: { value: T } | { error: Error }, clock: () => number): TimedTask<T> {
  const task: TimedTask<T> = {
    finishedAt: undefined,
    reportedAt: undefined,
    signal: undefined,
    fn: (signal) => {
      task.signal = signal
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort)
          task.finishedAt = clock()
          if ('value' in outcome) resolve(outcome.value)
          else reject(outcome.error)
          queueMicrotask(() => (task.reportedAt = clock()))
        }, delayMs)
        const onAbort = (): void => {
          clearTimeout(timer)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
      })
    },
  }
  return task
}

let barriers = 0

/**
 * Resolves once every message either side posted before the call, and every immediate answer to
 * those, has reached the other side: two rounds of exchanges on fresh keys over the ordered
 * channel (the first round carries the messages, the second the answers they triggered).
 */
export async function delivered(pair: { leader: Session; follower: Session }): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const key = `barrier:${++barriers}`
    await Promise.all([pair.leader.exchange(0, { key }), pair.follower.exchange(0, { key })])
  }
}

/** Port messages both sides sent under `key`. */
export function messagesFor(pair: SessionPair, key: string): number {
  return (pair.leaderCounts.byKey.get(key) ?? 0) + (pair.followerCounts.byKey.get(key) ?? 0)
}

/**
 * Proves `key` was released on both sides and nothing for it is left over: both use it again
 * (a port still open refuses the key; a stray old message would be a protocol error).
 */
export async function expectKeyFree(pair: { leader: Session; follower: Session }, key: string): Promise<void> {
  await delivered(pair)
  await expect(Promise.all([pair.leader.exchange('again', { key }), pair.follower.exchange('again', { key })])).resolves.toEqual([
    'again',
    'again',
  ])
}

const PENDING = Symbol('pending')

/** 'pending', or how the promise settled so far (settled promises win the race by order). */
export async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const first = await Promise.race([promise, Promise.resolve(PENDING)]).catch(() => 'rejected' as const)
  return first === PENDING ? 'pending' : first === 'rejected' ? 'rejected' : 'fulfilled'
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

/** An error class whose name crosses the wire. */
export class RacerError extends Error {
  override readonly name = 'RacerError'
}

/**
 * Session options that make a silent peer close the session soon, yet not so soon that a busy
 * machine (two cores shared by parallel test files) stalls the event loop past it.
 */
export const FAST_TIMEOUT = { heartbeatMs: 100, timeoutMs: 1000 } as const

/** Two sessions over a memory pair with 1 ms latency and jitter, and their raw ends. */
export type MemoryPair = Awaited<ReturnType<typeof memorySessions>>

/**
 * A per-file factory of session pairs with seeded jitter; every pair it made is closed after each
 * test. Call at the top level of a test file.
 */
export function sessionPairs(random: Random): (options?: Parameters<typeof memorySessions>[1]) => Promise<MemoryPair> {
  let open: MemoryPair[] = []
  afterEach(async () => {
    await Promise.all(open.map((p) => p.close()))
    open = []
  })
  return async (options = {}) => {
    const p = await memorySessions({ latencyMs: 1, jitterMs: 1, random }, options)
    open.push(p)
    return p
  }
}
