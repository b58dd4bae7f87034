import { expect } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import type { MemoryPairOptions } from '../../../src/transport/memory.js'
import type { SessionOptions } from '../../../src/core/options.js'
import { memorySessions } from '../../helpers/session-pair.js'

/** Session options that open fast and notice a silent peer quickly. */
export const QUICK: SessionOptions = { clockBurst: 1, heartbeatMs: 50, timeoutMs: 2000 }

/** A memory session pair for lock tests (the leader is the first side). */
export function lockSessions(pair: MemoryPairOptions = {}, options: SessionOptions = {}) {
  return memorySessions(pair, { leader: { ...QUICK, ...options }, follower: { ...QUICK, ...options } })
}

/**
 * Waits until `condition` holds, checking once per timer tick; fails with `what` after
 * `timeoutMs`. For observable protocol progress (a request reached the holder), not for timing.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

/** `pending`, `fulfilled` or `rejected`, after letting queued promise jobs and one task run. */
export async function status(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const settled = promise.then(
    () => 'fulfilled' as const,
    () => 'rejected' as const,
  )
  const pending = new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))
  return Promise.race([settled, pending])
}

/** Asserts that `promise` rejects with a NetError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: NetError['code']): Promise<NetError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `expected a NetError '${code}'`).toBeInstanceOf(NetError)
  expect((err as NetError).code).toBe(code)
  return err as NetError
}

/** One macrotask: lets timers and I/O run between a loop's steps (work outside the lock). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
