import { checkBoolean, checkOptionsObject } from '../../base/arguments.js'
import { checkKey, NO_TASK } from '../../core/op-arguments.js'
import type { OpHost } from '../../core/op-host.js'
import type { LockSnapshot } from './lock-state.js'
import { runLocked, type WriteGuard } from './lock-guard.js'
import type { Listenable } from '../../base/listenable.js'
import { LockHandle, type ClosableLock, type LockEvents, type NetLockOptions, type NetRwLock, type NetRwLockOptions } from './rwlock.js'

/** Options for `session.mutex`. */
export type NetMutexOptions<T> = NetRwLockOptions<T>

/** A held mutex: read and replace (or mutate) `value`; the change is committed on release. */
export type MutexGuard<T> = WriteGuard<T>

/**
 * A value shared by both peers behind a mutual exclusion lock: the exclusive-only view of the
 * rwlock protocol. The side holding the token locks again with no message; the other side's
 * lock costs one request and one grant, and the value travels only when it changed. Requests
 * are served first-come first-served in real time across both peers (see {@link NetRwLock}).
 * Close it when done ({@link ClosableLock}): a lock and its key otherwise live as long as the
 * session.
 *
 * @example
 * ```ts
 * const score = session.mutex('score', { initial: 0 })
 * await score.withLock((g) => { g.value += 1 })
 * await using g = await score.lock({ signal: AbortSignal.timeout(1000) })
 * ```
 */
export interface NetMutex<T> extends Listenable<LockEvents<T>>, ClosableLock {
  /** The name both peers opened the lock under. */
  readonly key: string
  /** The lock; resolves with a guard once both sides' earlier requests were served. Rejects with NetError `closed` once the lock closed. */
  lock(options: NetLockOptions & { ifAvailable: true }): Promise<MutexGuard<T> | null>
  /** Without `ifAvailable: true`: waits for the lock, so the guard is never `null`. */
  lock(options?: NetLockOptions): Promise<MutexGuard<T>>
  /** Runs `callback` under the lock released when it settles; resolves with its result. */
  withLock<R>(callback: (guard: MutexGuard<T> | null) => R | PromiseLike<R>, options: NetLockOptions & { ifAvailable: true }): Promise<R>
  /** Without `ifAvailable: true`: `callback` always gets a guard. */
  withLock<R>(callback: (guard: MutexGuard<T>) => R | PromiseLike<R>, options?: NetLockOptions): Promise<R>
  /**
   * The last value known here, without locking: the last one committed here or received (it may
   * be stale; with `watch` it follows the peer's writes). Keeps working after the session closed.
   */
  peek(): T
  /** Where the token is, and what is held and waiting on this side. */
  query(): LockSnapshot
}

class MutexHandle<T> extends LockHandle<T> implements NetMutex<T> {
  lock(options?: NetLockOptions): Promise<MutexGuard<T>>
  lock(options: NetLockOptions = {}): Promise<MutexGuard<T> | null> {
    return this.acquire<MutexGuard<T>>('write', options, NO_TASK)
  }

  withLock<R>(callback: (guard: MutexGuard<T>) => R | PromiseLike<R>, options: NetLockOptions = {}): Promise<R> {
    // With `ifAvailable` the callback may get null (the interface's first overload says so).
    return runLocked(this.acquire<MutexGuard<T>>('write', options, callback), callback as (guard: MutexGuard<T> | null) => R)
  }
}

/** Opens the mutex `key`; throws NetError `usage` for a bad key or options, an `initial` that cannot be encoded, or a key in use. */
export function createNetMutex<T>(host: OpHost, key: string, options: NetMutexOptions<T>): NetMutex<T> {
  checkKey('session.mutex', key)
  checkOptionsObject('session.mutex', options)
  checkBoolean('session.mutex', 'options.watch', options.watch)
  return new MutexHandle<T>(host, 'mutex', key, options)
}
