import { NetError } from '../../base/errors.js'
import { noop } from '../../base/noop.js'
import type { NetLockMode } from './lock-wire.js'

/**
 * A held lock. Release it exactly once (more calls do nothing); `await using` releases it for you.
 *
 * If the lock closes while the guard is held (`close()` on either side, a broken lock, or the
 * session closing), the guard stays readable, a write guard refuses a new value with NetError
 * `closed`, and `release()` sends nothing: a change made before the close stays in this side's
 * `peek()` but never reaches the peer.
 */
export interface LockGuard extends AsyncDisposable {
  /** `read` (shared) or `write` (exclusive). */
  readonly mode: NetLockMode
  /**
   * The fencing epoch of this grant: every write gets a larger epoch than anything granted before
   * it; reads granted together (one read phase, on either side) share theirs, which is larger
   * than the last write's. Hand it to a resource that must refuse stale writers.
   */
  readonly epoch: number
  /** True once released. */
  readonly released: boolean
  /**
   * Releases the lock; the next waiter (here or on the peer) gets it. Rejects with NetError
   * `usage` if a write left a value that cannot be encoded (it was rolled back, and the lock is
   * released anyway) or that is too large for the peer (the lock is then unusable on both sides).
   */
  release(): Promise<void>
}

/** A shared (read) lock; `value` is the current value. Do not mutate it. */
export interface ReadGuard<T> extends LockGuard {
  /** A read guard. */
  readonly mode: 'read'
  /** The lock's current value. */
  readonly value: T
}

/**
 * An exclusive (write) lock: read and replace (or mutate) `value`; the change is committed on
 * release. Once the lock closed, assigning `value` throws NetError `closed`.
 */
export interface WriteGuard<T> extends LockGuard {
  /** A write guard. */
  readonly mode: 'write'
  /** The lock's value; what it holds at release goes to the peer. */
  value: T
}

/** What a guard needs from its lock. */
export interface GuardHost<T> {
  readonly key: string
  /** The lock's value; `current` is what a guard reads and a write guard replaces. */
  readonly value: { current: T }
  /** Set once the lock stopped working. */
  readonly closedReason: NetError | undefined
  release(mode: NetLockMode, touched: boolean): Promise<void>
}

/** The one guard class behind {@link ReadGuard} and {@link WriteGuard}. */
export class Guard<T> implements LockGuard {
  #released = false
  /** Set when the value may have changed: it was replaced, or an object was handed out to a writer. */
  #touched = false

  constructor(
    private readonly host: GuardHost<T>,
    readonly mode: NetLockMode,
    readonly epoch: number,
  ) {}

  get released(): boolean {
    return this.#released
  }

  get value(): T {
    this.#checkHeld()
    const value = this.host.value.current
    if (this.mode === 'write' && typeof value === 'object' && value !== null) this.#touched = true
    return value
  }

  set value(value: T) {
    this.#checkHeld()
    if (this.mode !== 'write') throw new NetError('usage', `a read guard of "${this.host.key}" cannot change the value`)
    const closed = this.host.closedReason
    if (closed !== undefined) throw new NetError('closed', `lock "${this.host.key}" is closed; its value can no longer change`, { cause: closed })
    this.host.value.current = value
    this.#touched = true
  }

  release(): Promise<void> {
    if (this.#released) return Promise.resolve()
    this.#released = true
    return this.host.release(this.mode, this.#touched)
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release()
  }

  #checkHeld(): void {
    if (this.#released) throw new NetError('usage', `this guard of "${this.host.key}" was released; lock again to use the value`)
  }
}

/** Runs `callback` with the guard `acquired` gives and releases it when the callback settles. */
export async function runLocked<G extends LockGuard, R>(
  acquired: Promise<G | null>,
  callback: (guard: G | null) => R | PromiseLike<R>,
): Promise<R> {
  const guard = await acquired
  if (guard === null) return callback(null)
  let result: R
  try {
    result = await callback(guard)
  } catch (err) {
    await guard.release().catch(noop)
    throw err
  }
  await guard.release()
  return result
}
