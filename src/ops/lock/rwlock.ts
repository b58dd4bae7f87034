import { EventEmitter } from 'eventemitter3'
import { NetError } from '../../base/errors.js'
import { emitSafely } from '../../base/emit-safely.js'
import type { Listenable } from '../../base/listenable.js'
import { checkBoolean, checkOptionsObject, rejectMisuse } from '../../base/arguments.js'
import { checkKey, checkLockCall, NO_TASK } from '../../core/op-arguments.js'
import type { OpHost } from '../../core/op-host.js'
import { LockCore } from './lock-core.js'
import type { LockSnapshot } from './lock-state.js'
import { runLocked, type LockGuard, type ReadGuard, type WriteGuard } from './lock-guard.js'
import type { NetLockMode } from './lock-wire.js'

export type { LockGuard, ReadGuard, WriteGuard } from './lock-guard.js'
export type { LockSnapshot, LockState } from './lock-state.js'
export type { NetLockMode } from './lock-wire.js'

/** Options for `session.rwlock` and `session.mutex`. */
export interface NetRwLockOptions<T> {
  /**
   * The starting value; if both sides give one, the leader's wins.
   * Must be encodable as CBOR (plain data: no functions, symbols or cycles).
   * @default undefined
   * @example `session.rwlock('config', { initial: { theme: 'dark' } })`
   */
  initial?: T
  /**
   * Keep this side's {@link NetRwLock.peek | peek()} and `change` event current with the peer's
   * writes: while the peer holds the token, it sends every value it commits (one message per write
   * guard released with a changed value) instead of letting it wait for this side's next lock.
   * The values arrive in order, newest last; a newer value is never replaced by an older one.
   *
   * Per side: set it on each side that wants to see the other's writes (on both, for a shared
   * scoreboard). It costs nothing while the value does not change, and a hand-off still costs
   * one request and one grant (the grant no longer carries a value the update already brought).
   * @default false
   * @example `session.mutex('score', { initial: 0, watch: true }).on('change', (v, origin) => show(v))`
   */
  watch?: boolean
}

/** Options for every acquisition, in the Web Locks vocabulary. */
export interface NetLockOptions {
  /** Aborting it while the request waits removes it on both sides and rejects with NetError `aborted` (or the signal's NetError reason). */
  signal?: AbortSignal
  /**
   * Grant only if that needs no waiting (and no message); otherwise resolve with `null`. A write
   * on the side that does not hold the token always gives `null`.
   * @default false
   */
  ifAvailable?: boolean
}

/** Events of a lock, for UIs. */
export interface LockEvents<T> {
  /**
   * The value changed: committed by a write here (`local`), or arrived from the peer (`peer`:
   * with a grant, or as soon as the peer commits it when this side set `watch`).
   */
  change: [value: T, origin: 'local' | 'peer']
  /** The lock closed and its key is free again; as {@link ClosableLock.closed} resolves. */
  close: [reason: NetError]
}

/**
 * Closing a lock (NetMutex and NetRwLock). A lock lives until it is closed on either side or the
 * session closes; close locks you no longer need (per-round keys, say), or each keeps its state
 * and its key for the session's lifetime.
 */
export interface ClosableLock extends AsyncDisposable {
  /**
   * Closes the lock on both sides: requests still waiting here and on the peer reject with
   * NetError `closed`, the peer's lock closes too, and guards still held follow the rules of
   * {@link LockGuard}. Resolves once the peer has answered (or the session closed) and the key
   * is free again on both sides: `session.mutex(key)` / `rwlock(key)` may then open a fresh lock
   * under it, on either side. While the peer has not created its lock of the key yet, it answers
   * when it does. Idempotent; `await using` calls it for you.
   */
  close(): Promise<void>
  /**
   * Resolves with the reason once the lock has closed and its key is free again: NetError
   * `closed` after `close()` here or on the peer, `usage` for a lock broken by a value too large
   * for the peer, or the session's reason. Never rejects.
   */
  readonly closed: Promise<NetError>
}

/**
 * A value shared by both peers behind one-writer-or-many-readers. Readers on both sides read at
 * once; a writer excludes everyone; a reader queued behind a waiting writer waits. Requests are
 * served first-come first-served in real time across both peers: each is stamped on a hybrid
 * logical clock (the shared timeline, moved past every stamp seen; the leader first on a tie), so
 * a request made earlier by more than the clock's error bound is granted first once the token
 * holder knows of it. Close it when done ({@link ClosableLock}).
 *
 * @example
 * ```ts
 * const config = session.rwlock('config', { initial: { level: 1 } })
 * const level = await config.withRead((g) => g.value.level)
 * await config.withWrite((g) => { g.value = { level: level + 1 } })
 * ```
 */
export interface NetRwLock<T> extends Listenable<LockEvents<T>>, ClosableLock {
  /** The name both peers opened the lock under. */
  readonly key: string
  /** A shared lock; with the read lease held, a read here costs no message. */
  read(options: NetLockOptions & { ifAvailable: true }): Promise<ReadGuard<T> | null>
  /** Without `ifAvailable: true`: waits for a read lock, so the guard is never `null`. */
  read(options?: NetLockOptions): Promise<ReadGuard<T>>
  /** The exclusive lock; the token (and the value) moves to this side if it is not here. */
  write(options: NetLockOptions & { ifAvailable: true }): Promise<WriteGuard<T> | null>
  /** Without `ifAvailable: true`: waits for the write lock, so the guard is never `null`. */
  write(options?: NetLockOptions): Promise<WriteGuard<T>>
  /** Runs `callback` under a read lock released when it settles; resolves with its result. */
  withRead<R>(callback: (guard: ReadGuard<T> | null) => R | PromiseLike<R>, options: NetLockOptions & { ifAvailable: true }): Promise<R>
  /** Without `ifAvailable: true`: `callback` always gets a guard. */
  withRead<R>(callback: (guard: ReadGuard<T>) => R | PromiseLike<R>, options?: NetLockOptions): Promise<R>
  /** Runs `callback` under the write lock released when it settles; resolves with its result. */
  withWrite<R>(callback: (guard: WriteGuard<T> | null) => R | PromiseLike<R>, options: NetLockOptions & { ifAvailable: true }): Promise<R>
  /** Without `ifAvailable: true`: `callback` always gets a guard. */
  withWrite<R>(callback: (guard: WriteGuard<T>) => R | PromiseLike<R>, options?: NetLockOptions): Promise<R>
  /**
   * The last value known here, without locking: the last one committed here or received (it may
   * be stale; with `watch` it follows the peer's writes). A write in progress shows only once
   * released, unless it mutates an object in place.
   * Keeps working after the session closed.
   */
  peek(): T
  /** Where the token and the lease are, and what is held and waiting on this side. */
  query(): LockSnapshot
}

/** The public face shared by NetRwLock and NetMutex: a {@link LockCore} plus its events and closing. */
export class LockHandle<T> extends EventEmitter<LockEvents<T>> {
  protected readonly core: LockCore<T>

  constructor(host: OpHost, kind: 'mutex' | 'rwlock', key: string, options: NetRwLockOptions<T>) {
    super()
    this.core = new LockCore<T>(host, kind, key, options.initial, options.watch === true)
    this.core.onChange = (value, origin) => emitSafely(this, 'change', value, origin)
    void this.core.link.freed.then((reason) => emitSafely(this, 'close', reason))
  }

  get closed(): Promise<NetError> {
    return this.core.link.freed
  }

  async close(): Promise<void> {
    await this.core.link.close(new NetError('closed', `lock "${this.key}" was closed`))
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  get key(): string {
    return this.core.key
  }

  peek(): T {
    return this.core.value.committed
  }

  query(): LockSnapshot {
    return this.core.query()
  }

  /** Acquires after checking the arguments: `options`, and `callback` of `withLock` & co (NO_TASK for `lock`). */
  protected acquire<G>(mode: NetLockMode, options: NetLockOptions, callback: unknown): Promise<G | null> {
    const misuse = rejectMisuse(() => checkLockCall(`lock "${this.key}"`, options, callback))
    if (misuse !== undefined) return misuse
    return this.core.request(mode, options.ifAvailable === true, options.signal) as Promise<G | null>
  }
}

class RwLockHandle<T> extends LockHandle<T> implements NetRwLock<T> {
  read(options?: NetLockOptions): Promise<ReadGuard<T>>
  read(options: NetLockOptions = {}): Promise<ReadGuard<T> | null> {
    return this.acquire<ReadGuard<T>>('read', options, NO_TASK)
  }

  write(options?: NetLockOptions): Promise<WriteGuard<T>>
  write(options: NetLockOptions = {}): Promise<WriteGuard<T> | null> {
    return this.acquire<WriteGuard<T>>('write', options, NO_TASK)
  }

  withRead<R>(callback: (guard: ReadGuard<T>) => R | PromiseLike<R>, options: NetLockOptions = {}): Promise<R> {
    // With `ifAvailable` the callback may get null (the interface's first overload says so).
    return runLocked(this.acquire<ReadGuard<T>>('read', options, callback), callback as (guard: ReadGuard<T> | null) => R)
  }

  withWrite<R>(callback: (guard: WriteGuard<T>) => R | PromiseLike<R>, options: NetLockOptions = {}): Promise<R> {
    return runLocked(this.acquire<WriteGuard<T>>('write', options, callback), callback as (guard: WriteGuard<T> | null) => R)
  }
}

/** Opens the rwlock `key`; throws NetError `usage` for a bad key or options, an `initial` that cannot be encoded, or a key in use. */
export function createNetRwLock<T>(host: OpHost, key: string, options: NetRwLockOptions<T>): NetRwLock<T> {
  checkKey('session.rwlock', key)
  checkOptionsObject('session.rwlock', options)
  checkBoolean('session.rwlock', 'options.watch', options.watch)
  return new RwLockHandle<T>(host, 'rwlock', key, options)
}
