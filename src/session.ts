import { EventEmitter } from 'eventemitter3'
import type { FrameChannel } from './transport/frame-channel.js'
import { runExchange } from './ops/one-shot/exchange.js'
import { runJoin, type NetTask } from './ops/one-shot/join.js'
import { createNetMutex, type NetMutex, type NetMutexOptions } from './ops/lock/mutex.js'
import { createNetRwLock, type NetRwLock, type NetRwLockOptions } from './ops/lock/rwlock.js'
import { runSelect, type SelectResult } from './ops/one-shot/select.js'
import { openTypedChannel, type TypedChannel, type TypedChannelOptions } from './ops/channel/typed-channel.js'
import { runSyncStart, type SyncStartInfo, type SyncStartOptions } from './ops/sync-start/sync-start.js'
import { checkOptionsObject, rejectMisuse } from './base/arguments.js'
import type { NetError } from './base/errors.js'
import type { Listenable } from './base/listenable.js'
import type { ClockEstimate } from './clock/clock-tracker.js'
import { checkKey, checkOpOptions } from './core/op-arguments.js'
import type { OpOptions } from './core/op-host.js'
import { checkFrameChannel, type SessionOptions } from './core/options.js'
import { SessionCore } from './core/session-core.js'
import type { SessionEvents, SessionStats } from './core/session-events.js'
import { sleepUntil, type SleepUntilOptions } from './core/timeline-sleep.js'

// The ops' public types and constants, exported by index.ts through the facade (only the facade
// imports the ops).
export type { NetTask } from './ops/one-shot/join.js'
export type { SelectResult } from './ops/one-shot/select.js'
export type { TypedChannel, TypedChannelOptions, ChannelSendOptions } from './ops/channel/typed-channel.js'
export type { NetMutex, NetMutexOptions, MutexGuard } from './ops/lock/mutex.js'
export type { NetRwLock, NetRwLockOptions, NetLockOptions, LockEvents, ClosableLock } from './ops/lock/rwlock.js'
export type { LockGuard, ReadGuard, WriteGuard } from './ops/lock/lock-guard.js'
export type { LockSnapshot, LockState } from './ops/lock/lock-state.js'
export type { NetLockMode } from './ops/lock/lock-wire.js'
export { SYNC_START_LATE_TOLERANCE_MS } from './ops/sync-start/sync-start.js'
export type { SyncStartInfo, SyncStartOptions } from './ops/sync-start/sync-start.js'

/** Reads a session's engine (set once by the class below): for tests inside this repository only. */
let coreOf: (session: Session) => SessionCore

/**
 * The engine behind `session`: its ports, key sequence and close state. Not part of the public API
 * (index.ts does not export it); tests use it to open raw ports and read the close state.
 */
export function sessionCore(session: Session): SessionCore {
  return coreOf(session)
}

/**
 * A netbeam session over one ordered, reliable channel between two peers. Every primitive runs
 * over it, multiplexed by key.
 *
 * Bad arguments are NetError `usage`, naming the argument: `channel`, `mutex` and `rwlock` throw
 * it; every method that returns a promise rejects with it and never throws. A one-shot operation
 * refused for its function, signal or `delayMs` tells the peer, whose call rejects with `aborted`;
 * one refused for its key or options object sends nothing and takes no default key.
 *
 * @example
 * ```ts
 * const session = await Session.open(fromDataChannel(dc))
 * const { won } = await session.select(async (signal) => race(signal))
 * await session.close()
 * ```
 */
export class Session implements Listenable<SessionEvents>, AsyncDisposable {
  /** The engine; the ops get it as their host, users never see it. */
  readonly #core: SessionCore
  /** Where the core's events go; `on`, `once` and `off` reach it. */
  readonly #events: EventEmitter<SessionEvents>

  static {
    coreOf = (session) => session.#core
  }

  private constructor(core: SessionCore, events: EventEmitter<SessionEvents>) {
    this.#core = core
    this.#events = events
  }

  /**
   * Opens a session: both sides exchange hellos (protocol version, leader election) and clock
   * probes. Rejects with NetError `version` if the peer speaks another protocol version, with
   * NetError `timeout` if the peer stays silent, with NetError `aborted` when `options.signal`
   * aborts (or was aborted already), and with NetError `usage` (naming the option) when `channel`
   * is not a FrameChannel or an option is out of range. Once it started opening, a failed open
   * closes `channel`.
   */
  static async open(channel: FrameChannel, options: SessionOptions = {}): Promise<Session> {
    checkFrameChannel(channel)
    const events = new EventEmitter<SessionEvents>()
    const core = new SessionCore(channel, options, events)
    await core.start(options.signal)
    return new Session(core, events)
  }

  /** `'leader'` or `'follower'`: the leader breaks exact ties and its clock is the shared timeline. */
  get role(): 'leader' | 'follower' {
    return this.#core.isLeader ? 'leader' : 'follower'
  }

  /**
   * The current clock estimate: the peer's clock minus this side's (`offsetMs`), within
   * `± errorBoundMs`, from the sample with the best round trip (`rttMs`). On the leader it is
   * informational: its own clock is the shared timeline.
   */
  get clock(): ClockEstimate {
    return this.#core.clock
  }

  /**
   * The shared timeline in ms since the Unix epoch: the leader's clock, as well as this side can
   * tell (`performance.timeOrigin + performance.now()` unless `now` was injected). The instants of
   * `syncStart` and `sleepUntil` are on it.
   */
  now(): number {
    return this.#core.now()
  }

  /** What crossed the wire so far, and how many operations are open. */
  get stats(): SessionStats {
    return this.#core.stats
  }

  /**
   * Resolves once the session has closed, with the NetError that says why, and never rejects: code
   * `closed` for a clean close (the message says whether this side or the peer closed it), or the
   * failure that closed it (`timeout`, `protocol`, `version`, …). `await session.closed` never throws.
   */
  get closed(): Promise<NetError> {
    return this.#core.closed
  }

  /**
   * Closes the session: rejects every pending call with NetError `closed` at once and tells the
   * peer. Resolves once the peer has answered, so everything sent before the close has reached
   * it, and the channel is closed; a peer that does not answer within `timeoutMs` is not waited
   * for. Idempotent.
   */
  close(): Promise<void> {
    return this.#core.close()
  }

  /** The same as {@link Session.close}, for `await using session = await Session.open(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close()
  }

  /** Calls `listener` on every `event`: `close`, `rtt` (each new round-trip sample) or `clock`. */
  on<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this {
    this.#events.on(event, listener as never)
    return this
  }

  /** Calls `listener` on the next `event` only. */
  once<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this {
    this.#events.once(event, listener as never)
    return this
  }

  /** Removes `listener` from `event`. */
  off<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this {
    this.#events.off(event, listener as never)
    return this
  }

  /**
   * Resolves at the instant `at` on the shared timeline ({@link Session.now}), with how late it
   * woke in ms (≥ 0); an instant already past resolves at once. It sleeps with a timer until just
   * before `at`, then spins on the clock for the last few ms (up to 3, blocking the thread), as
   * `syncStart` does: both peers sleeping until the same `at` wake within the clock's error bound
   * of each other. Rejects with NetError `usage` for an `at` that is not a finite number,
   * `aborted` when `options.signal` aborts (before the spin), and the session's close reason if
   * the session closes first, or had closed before the call.
   * @example `await session.sleepUntil(roundStart + 3000)`
   */
  sleepUntil(at: number, options: SleepUntilOptions = {}): Promise<number> {
    return sleepUntil(this.#core, at, options, 'session.sleepUntil')
  }

  /**
   * Runs `fn` here while the peer runs its own; resolves with this side's result once both have
   * settled. A local throw rejects here (after the peer has been told); the peer still resolves.
   * Costs 2 messages.
   *
   * Both sides always agree on whether the join completed. Aborting before `fn` settled rejects
   * here at once and the peer's call with NetError `aborted`. Aborting after `fn` settled, before
   * the peer's result arrived, sends one more message and settles on the peer's answer, about a
   * round trip later: if the peer had already settled on this side's result (the two results
   * crossed), both keep that outcome and this call resolves too; otherwise both reject with
   * `aborted`, even when the peer has not called yet (its later call rejects at once).
   * @example `const mine = await session.join(async () => loadLevel())`
   */
  join<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<T> {
    return rejectMisuse(() => checkOpOptions('session.join', options)) ?? runJoin(this.#core, 'join', fn, options)
  }

  /**
   * Like {@link Session.join}, but fails on both sides if either side fails: the failing side
   * rejects with its own error, the other with NetError `remote`, and the side still running has
   * its signal aborted at once. Aborting works as in {@link Session.join}; both sides always end
   * both fulfilled or both rejected.
   */
  tryJoin<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<T> {
    return rejectMisuse(() => checkOpOptions('session.tryJoin', options)) ?? runJoin(this.#core, 'tryJoin', fn, options)
  }

  /**
   * Races `fn` against the peer's: the side that finishes first (on the shared clock) resolves
   * `{ won: true, value }`, the other `{ won: false }` and its signal aborts. Exact ties go to the
   * leader. If the first to finish threw, it rejects with its own error and the other side with
   * NetError `remote`. Costs 2 messages; the winner knows after about one one-way delay when
   * both finish together, one round trip otherwise.
   *
   * Both sides always agree on the winner. Aborting before `fn` settled rejects both sides with
   * NetError `aborted`. Aborting after it, before the peer's answer arrived, sends one more
   * message and settles on that answer: a peer that had already settled (it lost to this side's
   * result, or both results crossed) keeps its outcome and this side takes the mirror image, so
   * this call may still resolve; a peer still running, or that has not called yet, rejects with
   * `aborted`, and so does this call.
   */
  select<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<SelectResult<T>> {
    return rejectMisuse(() => checkOpOptions('session.select', options)) ?? runSelect(this.#core, 'select', fn, options)
  }

  /**
   * Like {@link Session.select}, but only a success can win; if both sides fail, both reject with
   * one NetError `remote` that carries both causes. Aborting works as in {@link Session.select}.
   */
  trySelect<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<SelectResult<T>> {
    return rejectMisuse(() => checkOpOptions('session.trySelect', options)) ?? runSelect(this.#core, 'trySelect', fn, options)
  }

  /**
   * Sends `value` to the peer and resolves with the value the peer sent. An unencodable value
   * rejects with NetError `usage` and the peer's call with NetError `aborted`.
   *
   * Both sides always agree on whether the exchange happened. The value goes out at once, so
   * aborting (unless the signal was aborted before the call) sends one more message and settles
   * on the peer's answer: if the peer's value was already on its way, both resolve, each with the
   * other's value; otherwise both reject with NetError `aborted`, even when the peer has not
   * called yet (its later call rejects at once, and it never receives this value).
   */
  exchange<Theirs = unknown, Mine = Theirs>(value: Mine, options: OpOptions = {}): Promise<Theirs> {
    return rejectMisuse(() => checkOpOptions('session.exchange', options)) ?? runExchange<Theirs>(this.#core, value, options)
  }

  /**
   * Opens the ordered, typed, bi-directional channel named `key`. Throws NetError `usage` for a bad
   * key or option, or a key already in use.
   */
  channel<T>(key: string, options: TypedChannelOptions = {}): TypedChannel<T> {
    return openTypedChannel<T>(this.#core, key, options)
  }

  /**
   * The value named `key`, shared with the peer behind a mutual exclusion lock. It holds the key
   * until `close()` (on either side) or the session's end. Throws NetError `usage` for a bad key
   * or options, or a key still in use here.
   */
  mutex<T>(key: string, options: NetMutexOptions<T> = {}): NetMutex<T> {
    checkKey('session.mutex', key)
    checkOptionsObject('session.mutex', options)
    return createNetMutex<T>(this.#core, key, options)
  }

  /**
   * The value named `key`, shared with the peer behind one-writer-or-many-readers. It holds the
   * key until `close()` (on either side) or the session's end. Throws NetError `usage` for a bad
   * key or options, or a key still in use here.
   */
  rwlock<T>(key: string, options: NetRwLockOptions<T> = {}): NetRwLock<T> {
    checkKey('session.rwlock', key)
    checkOptionsObject('session.rwlock', options)
    return createNetRwLock<T>(this.#core, key, options)
  }

  /**
   * Runs `fn` on both peers at the same instant: the leader picks a start time on the shared clock
   * (at least `delayMs` ahead), then each side waits for it (timer, then a short spin) and calls
   * `fn({ peerPayload, at, lateByMs })`. Resolves with `fn`'s result once the peer has confirmed
   * that it started too, so both sides agree on whether the start happened. Rejects with NetError
   * `late` when the agreed instant had passed (by more than 1 ms) before a side heard of it — on
   * that side, and on the other side even though its `fn` ran ("started but the peer did not") —,
   * `aborted` on abort (here or on the peer), or the close reason if the session closes first.
   * Aborting after this side started, before the peer's confirmation arrived, sends one more
   * message: a peer that has not started gives up (both reject with `aborted`; its `fn` never
   * runs), a peer that started confirms (both resolve). After the confirmation, aborting has no
   * effect.
   * @example `await session.syncStart(({ lateByMs }) => startRound(lateByMs), { delayMs: 100 })`
   */
  syncStart<R, P = unknown>(fn: (info: SyncStartInfo<P>) => R | PromiseLike<R>, options: SyncStartOptions = {}): Promise<R> {
    return rejectMisuse(() => checkOpOptions('session.syncStart', options)) ?? runSyncStart<P, R>(this.#core, fn, options)
  }
}
