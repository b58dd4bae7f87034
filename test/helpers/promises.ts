/**
 * Promise probes shared by every test: how a promise has settled so far, what it rejected with,
 * and one macrotask of waiting. Not a test file (vitest only runs *.test.ts).
 */
import { expect } from 'vitest'
import { NetError } from '../../src/base/errors.js'

/**
 * `pending`, `fulfilled` or `rejected`, after letting queued promise jobs and one macrotask run:
 * a promise that is about to settle from work already queued is not reported as pending.
 */
export async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const settled = promise.then(
    () => 'fulfilled' as const,
    () => 'rejected' as const,
  )
  const pending = nextMacrotask().then(() => 'pending' as const)
  return Promise.race([settled, pending])
}

/**
 * The rejection reason, failing the test if the promise fulfilled. With `code`, also asserts the
 * reason is a NetError of that code.
 */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown>
export function rejectionOf(promise: Promise<unknown>, code: NetError['code']): Promise<NetError>
export async function rejectionOf(promise: Promise<unknown>, code?: NetError['code']): Promise<unknown> {
  const reason = await promise.then(
    (value: unknown) => {
      throw new Error(`expected a rejection, got ${String(value)}`)
    },
    (err: unknown) => err,
  )
  if (code === undefined) return reason
  expect(reason, `expected a NetError '${code}'`).toBeInstanceOf(NetError)
  expect((reason as NetError).code).toBe(code)
  return reason
}

/** One macrotask: lets timers, I/O and native callbacks queued so far run. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
