import { isNetError, type NetError } from '../base/errors.js'
import { checkBoolean, checkFunction, checkOptionsObject, checkSignal, describeValue, usageError } from '../base/arguments.js'
import { MAX_KEY_LENGTH } from './wire-checks.js'

/**
 * Argument checks shared by the operations. Each throws (or returns) NetError `usage` naming the
 * call and the argument.
 */

/**
 * An operation key: a string of 1 to {@link MAX_KEY_LENGTH} characters, what the peer accepts,
 * without U+0000 (which separates scope names from keys on the wire: see scope-path.ts).
 */
export function checkKey(where: string, key: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || key.includes('\u0000')) {
    throw usageError(where, `key must be a string of 1 to ${MAX_KEY_LENGTH} characters without U+0000, got ${describeValue(key)}`)
  }
}

/**
 * What a call must get right before it can pair with the peer's: an options object and, if given,
 * a valid key. Failing here, the call sends nothing and takes no default key.
 */
export function checkOpOptions(where: string, options: unknown): void {
  const given = checkOptionsObject(where, options)
  if (given.key !== undefined) checkKey(where, given.key)
}

/** Marks a call that takes no function of its own (exchange). */
export const NO_TASK = Symbol('no task')

/**
 * What a paired call must get right to run: its function and its signal. A one-shot operation
 * with such a misuse still opens its port and sends `abort`, so the peer's call rejects with
 * NetError `aborted` instead of waiting for one that cannot run; hence returned, not thrown.
 */
export function callMisuse(what: string, fn: unknown, signal: unknown): NetError | undefined {
  try {
    if (fn !== NO_TASK) checkFunction(what, 'fn', fn, false)
    checkSignal(what, signal)
    return undefined
  } catch (err) {
    if (isNetError(err, 'usage')) return err
    throw err
  }
}

/** The options of a lock acquisition, and the callback of `withLock` / `withRead` / `withWrite`. */
export function checkLockCall(where: string, options: unknown, callback: unknown): void {
  if (callback !== NO_TASK) checkFunction(where, 'callback', callback, false)
  const given = checkOptionsObject(where, options)
  checkSignal(where, given.signal)
  checkBoolean(where, 'ifAvailable', given.ifAvailable)
}
