/**
 * Helpers shared by the join / select / exchange tests: tasks the test settles by hand or by a
 * timer, and per-file session pairs. Promise and session probes live in test/helpers.
 */
import { afterEach } from 'vitest'
import { deferred } from '../../../src/base/deferred.js'
import type { NetTask } from '../../../src/ops/one-shot/join.js'
import type { Random } from '../../helpers/prng.js'
import { memorySessions } from '../../helpers/session-pair.js'

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
