import { EventEmitter } from 'eventemitter3'
import type { FrameChannel } from './transport/frame-channel.js'
import { runExchange } from './ops/one-shot/exchange.js'
import { runJoin, type NetTask } from './ops/one-shot/join.js'
import { createNetMutex, type NetMutex, type NetMutexOptions } from './ops/lock/mutex.js'
import { createNetRwLock, type NetRwLock, type NetRwLockOptions } from './ops/lock/rwlock.js'
import { runSelect, type SelectResult } from './ops/one-shot/select.js'
import { openTypedChannel, type TypedChannel, type TypedChannelOptions } from './ops/channel/typed-channel.js'
import { runSyncStart, type SyncStartInfo, type SyncStartOptions } from './ops/sync-start/sync-start.js'
import { RpcServices, type Rpc, type RpcAnyApi } from './ops/rpc/rpc.js'
import { rejectMisuse } from './base/arguments.js'
import type { NetError } from './base/errors.js'
import type { Listenable } from './base/listenable.js'
import type { ClockEstimate } from './clock/clock-tracker.js'
import { checkOpOptions } from './core/op-arguments.js'
import type { OpOptions } from './core/op-host.js'
import { checkFrameChannel, type SessionOptions } from './core/options.js'
import { SessionCore } from './core/session-core.js'
import type { SessionEvents, SessionState, SessionStats } from './core/session-events.js'
import { sleepUntil, type SleepUntilOptions } from './core/timeline-sleep.js'

// The ops' public types and constants, which index.ts exports through the facade.
export * from './ops/public-types.js'

/** The engine behind a session. Not public (index.ts does not export it): tests open raw ports with it. */
export let sessionCore: (session: Session) => SessionCore

/**
 * A netbeam session over one ordered, reliable channel between two peers. Every primitive runs over it, multiplexed by key.
 *
 * Bad arguments are NetError `usage`, naming the argument: `channel`, `mutex` and `rwlock` throw it;
 * the other methods reject with it. A one-shot operation refused for its function, signal or
 * `delayMs` tells the peer (whose call rejects with `aborted`); one refused for its key or options
 * sends nothing and takes no default key.
 * @example `const { won } = await (await Session.open(fromDataChannel(dc))).select(race)`
 */
export class Session implements Listenable<SessionEvents>, AsyncDisposable {
  readonly #core: SessionCore // the engine: emits into the facade's emitter, hosts the ops
  readonly #rpc: RpcServices

  static {
    sessionCore = (session) => session.#core
  }

  private constructor(core: SessionCore) {
    this.#core = core
    this.#rpc = new RpcServices(core)
  }

  /**
   * Opens a session: both sides exchange hellos (protocol version, leader election), then clock
   * probes. Rejects with NetError `version` (the peer speaks another version), `timeout` (not done
   * within `timeoutMs`), `aborted` (`options.signal`) or `usage` (a bad `channel` or option, named),
   * closing `channel`. With `resume`, a drop after the hellos resolves it `suspended` ({@link SessionOptions.resume}).
   */
  static async open(channel: FrameChannel, options: SessionOptions = {}): Promise<Session> {
    checkFrameChannel(channel)
    const core = new SessionCore(channel, options, new EventEmitter<SessionEvents>())
    await core.start(options.signal)
    return new Session(core)
  }

  /** `'leader'` or `'follower'`: the leader breaks exact ties and its clock is the shared timeline. */
  get role(): 'leader' | 'follower' {
    return this.#core.isLeader ? 'leader' : 'follower'
  }

  /** The current estimate of the peer's clock; on the leader informational (its clock is the shared timeline). */
  get clock(): ClockEstimate {
    return this.#core.clock
  }

  /** The shared timeline in ms since the Unix epoch: the leader's clock (`performance.timeOrigin + performance.now()`). */
  now(): number {
    return this.#core.now()
  }

  /** What crossed the wire so far, and how many operations are open. */
  get stats(): SessionStats {
    return this.#core.stats
  }

  /**
   * Resolves once the session has closed, with the NetError that says why, and never rejects: code `closed` for a
   * clean close (the message says whether this side or the peer closed it), or the failure that closed it (`timeout`,
   * `protocol`, `version`, …). `await session.closed` never throws.
   */
  get closed(): Promise<NetError> {
    return this.#core.closed
  }

  /** True once the session has closed (from the moment `closed` would resolve). */
  get isClosed(): boolean {
    return this.#core.isClosed
  }

  /** `open`, `suspended` (with the `resume` option: between a drop and a resume) or `closed`. */
  get state(): SessionState {
    return this.#core.state
  }

  /**
   * Continues the session over `channel` (each side passes its end of a new DataChannel, WebSocket, …; either first, or
   * both at once) after a drop, or to replace a working channel: both sides prove they hold the session's secret and
   * resend what the other has not received. Resolves once `open` on `channel` (event `resumed`). Rejects with NetError
   * `usage` without the `resume` option; `protocol` (wrong or stale proof, unknown session, sequence gap), `timeout`
   * (`timeoutMs`) or `aborted` (`options.signal`) close only `channel`, and the session stays suspended.
   * @example `session.on('suspended', async () => session.resume(fromDataChannel(await reconnect())))`
   */
  resume(channel: FrameChannel, options: { signal?: AbortSignal } = {}): Promise<void> {
    return rejectMisuse(() => checkFrameChannel(channel, 'session.resume')) ?? this.#core.resume(channel, options.signal)
  }

  /**
   * Closes the session: rejects every pending call with NetError `closed` at once and tells the peer. Resolves once
   * the peer has answered (so everything sent before has reached it) and the channel is closed; a peer silent for
   * `timeoutMs` is not waited for. Idempotent.
   */
  close(): Promise<void> {
    return this.#core.close()
  }

  /** {@link Session.close}, for `await using session = await Session.open(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close()
  }

  /** Calls `listener` on every `event`: `close`, `rtt`, `clock`, `suspended` or `resumed` (see SessionEvents). */
  on<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this {
    this.#core.events.on(event, listener as never)
    return this
  }

  /** Calls `listener` on the next `event` only. */
  once<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this {
    this.#core.events.once(event, listener as never)
    return this
  }

  /** Removes `listener` from `event`. */
  off<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this {
    this.#core.events.off(event, listener as never)
    return this
  }

  /**
   * Resolves at the instant `at` on the shared timeline ({@link Session.now}) with how late it woke, in ms (≥ 0; at
   * once for a past instant): a timer, then a spin of up to 3 ms (blocking the thread), as `syncStart` does, so both
   * peers sleeping until the same `at` wake within the clock's error bound of each other. Rejects with NetError `usage`
   * for an `at` that is not a finite number, `aborted` (`options.signal`, before the spin), or the session's close
   * reason.
   * @example `await session.sleepUntil(roundStart + 3000)`
   */
  sleepUntil(at: number, options: SleepUntilOptions = {}): Promise<number> {
    return sleepUntil(this.#core, at, options, 'session.sleepUntil')
  }

  /**
   * Runs `fn` here while the peer runs its own; resolves with this side's result once both have
   * settled. A local throw rejects here (after the peer has been told); the peer still resolves.
   * Costs 2 messages. Both sides always agree on whether the join completed, even under abort
   * ({@link OpOptions.signal}).
   * @example `const mine = await session.join(async () => loadLevel())`
   */
  join<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<T> {
    return rejectMisuse(() => checkOpOptions('session.join', options)) ?? runJoin(this.#core, 'join', fn, options)
  }

  /**
   * Like {@link Session.join}, but fails on both sides if either side fails: the failing side
   * rejects with its own error, the other with NetError `remote`, and the side still running has
   * its signal aborted at once. Both sides always end both fulfilled or both rejected.
   */
  tryJoin<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<T> {
    return rejectMisuse(() => checkOpOptions('session.tryJoin', options)) ?? runJoin(this.#core, 'tryJoin', fn, options)
  }

  /**
   * Races `fn` against the peer's: the side that finishes first (on the shared clock) resolves `{ won: true, value }`,
   * the other `{ won: false }` and its signal aborts. Exact ties go to the leader. If the first to finish threw, it
   * rejects with its own error and the other side with NetError `remote`. Costs 2 messages; the winner knows after
   * about one one-way delay when both finish together, one round trip otherwise. Both sides always agree on the winner;
   * an abort after `fn` settled may still end in a result ({@link OpOptions.signal}).
   */
  select<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<SelectResult<T>> {
    return rejectMisuse(() => checkOpOptions('session.select', options)) ?? runSelect(this.#core, 'select', fn, options)
  }

  /** Like {@link Session.select}, but only a success can win; if both fail, both reject with one NetError `remote` (both causes). */
  trySelect<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<SelectResult<T>> {
    return rejectMisuse(() => checkOpOptions('session.trySelect', options)) ?? runSelect(this.#core, 'trySelect', fn, options)
  }

  /**
   * Sends `value` to the peer and resolves with the value the peer sent. An unencodable value rejects with NetError
   * `usage` and the peer's call with NetError `aborted`. The value goes out at once, so an abort (unless the signal was
   * aborted before the call) settles on the peer's answer ({@link OpOptions.signal}): both resolve if the peer's value
   * was already on its way, otherwise both reject with `aborted` and the peer never receives this value.
   */
  exchange<Theirs = unknown, Mine = Theirs>(value: Mine, options: OpOptions = {}): Promise<Theirs> {
    return rejectMisuse(() => checkOpOptions('session.exchange', options)) ?? runExchange<Theirs>(this.#core, value, options)
  }

  /** Opens the ordered, typed, bi-directional channel named `key`. Throws NetError `usage` for a bad key or option, or a key in use. */
  channel<T>(key: string, options: TypedChannelOptions = {}): TypedChannel<T> {
    return openTypedChannel<T>(this.#core, key, options)
  }

  /**
   * The value named `key`, shared with the peer behind a mutual exclusion lock. It holds the key
   * until `close()` (on either side) or the session's end. Throws NetError `usage` for a bad key
   * or options, or a key still in use here.
   */
  mutex<T>(key: string, options: NetMutexOptions<T> = {}): NetMutex<T> {
    return createNetMutex<T>(this.#core, key, options)
  }

  /**
   * The value named `key`, shared with the peer behind one-writer-or-many-readers. It holds the
   * key until `close()` (on either side) or the session's end. Throws NetError `usage` for a bad
   * key or options, or a key still in use here.
   */
  rwlock<T>(key: string, options: NetRwLockOptions<T> = {}): NetRwLock<T> {
    return createNetRwLock<T>(this.#core, key, options)
  }

  /**
   * The request/response service `name` ({@link Rpc}; the same one on every call): serve it with `handle`, call the
   * peer's with `call.add(1, 2, { signal })` or `stream.count(9)`. Throws NetError `usage` for a bad name, or the
   * close reason for a service first asked for after the session closed.
   */
  rpc<Api extends object = RpcAnyApi>(name: string): Rpc<Api> {
    return this.#rpc.get<Api>(name)
  }

  /**
   * Runs `fn` on both peers at the same instant: the leader picks a start time on the shared clock (at least `delayMs`
   * ahead), each side waits for it (timer, then a short spin) and calls `fn({ peerPayload, at, lateByMs })`. Resolves
   * with `fn`'s result once the peer confirmed its start too, so both agree on whether the start happened. Rejects with
   * NetError `late` on both sides when the instant had passed (by > 1 ms) before a side heard of it (the other side's
   * `fn` ran), `aborted` on abort (here or on the peer; after this side started it settles on the peer's answer, {@link
   * OpOptions.signal}), or the close reason if the session closes first.
   * @example `await session.syncStart(({ lateByMs }) => startRound(lateByMs), { delayMs: 100 })`
   */
  syncStart<R, P = unknown>(fn: (info: SyncStartInfo<P>) => R | PromiseLike<R>, options: SyncStartOptions = {}): Promise<R> {
    return rejectMisuse(() => checkOpOptions('session.syncStart', options)) ?? runSyncStart<P, R>(this.#core, fn, options)
  }
}
