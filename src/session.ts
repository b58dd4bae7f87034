import { EventEmitter } from 'eventemitter3'
import type { FrameChannel } from './transport/frame-channel.js'
import { rejectMisuse } from './base/arguments.js'
import type { NetError } from './base/errors.js'
import type { Listenable } from './base/listenable.js'
import type { ClockEstimate } from './clock/clock-tracker.js'
import { checkFrameChannel, type SessionOptions } from './core/options.js'
import { SessionCore } from './core/session-core.js'
import type { SessionEvents, SessionState, SessionStats } from './core/session-events.js'
import { sleepUntil, type SleepUntilOptions } from './core/timeline-sleep.js'
import { bindKeySpace, KeySpace } from './key-space.js'
import { openScope, type Scope, type ScopeOptions } from './scope.js'

// The ops' public types and constants, which index.ts exports through the facade.
export * from './ops/public-types.js'

/** The engine behind a session. Not public (index.ts does not export it): tests open raw ports with it. */
export let sessionCore: (session: Session) => SessionCore

/**
 * A netbeam session over one ordered, reliable channel between two peers. Every primitive runs
 * over it, multiplexed by key: the session is the root key space ({@link KeySpace} has the
 * primitives).
 * @example `const { won } = await (await Session.open(fromDataChannel(dc))).select(race)`
 */
export class Session extends KeySpace implements Listenable<SessionEvents>, AsyncDisposable {
  readonly #core: SessionCore // the engine: emits into the facade's emitter, hosts the ops

  static {
    sessionCore = (session) => session.#core
  }

  private constructor(core: SessionCore) {
    super()
    this.#core = core
    bindKeySpace(this, core, 'session')
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

  /**
   * The shared timeline, in ms since the Unix epoch: the leader's clock (by default
   * `performance.timeOrigin + performance.now()`), as well as this side can tell.
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

  /** True once the session has closed (from the moment `closed` would resolve). */
  get isClosed(): boolean {
    return this.#core.isClosed
  }

  /** `open`, `suspended` (with the `resume` option: between a drop and a resume) or `closed`. */
  get state(): SessionState {
    return this.#core.state
  }

  /**
   * Continues the session over `channel` (each side passes its end of a new DataChannel, WebSocket, …;
   * either first, or both at once) after a drop, or to replace a working channel: both sides prove
   * they hold the session's secret and resend what the other has not received. Resolves once `open`
   * on `channel` (event `resumed`). Rejects with NetError `usage` without the `resume` option;
   * `protocol` (wrong or stale proof, unknown session, sequence gap), `timeout` (`timeoutMs`) or
   * `aborted` (`options.signal`) close only `channel`, and the session stays suspended.
   * @example `session.on('suspended', async () => session.resume(fromDataChannel(await reconnect())))`
   */
  resume(channel: FrameChannel, options: { signal?: AbortSignal } = {}): Promise<void> {
    return rejectMisuse(() => checkFrameChannel(channel, 'session.resume')) ?? this.#core.resume(channel, options.signal)
  }

  /**
   * Closes the session: rejects every pending call with NetError `closed` at once and tells the
   * peer. Resolves once the peer has answered (so everything sent before has reached it) and the
   * channel is closed; a peer silent for `timeoutMs` is not waited for. Idempotent.
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
   * Opens the scope `name`: a key space of its own with every primitive, nestable, ended as a unit
   * on both peers ({@link Scope}); opening it sends nothing. Throws NetError `usage` for a bad name
   * (1 to 128 characters, no U+0000) or a name in use here, and the close reason once closed.
   * @example `const round = session.scope('round-3'); await round.exchange(move); await round.close()`
   */
  scope(name: string, options: ScopeOptions = {}): Scope {
    return openScope(this.#core.scopes, undefined, name, options, 'session.scope')
  }

  /**
   * Resolves at the instant `at` on the shared timeline ({@link Session.now}) with how late it woke,
   * in ms (≥ 0; at once for a past instant): a timer, then a spin of up to 3 ms (blocking the
   * thread), as `syncStart` does, so both peers sleeping until the same `at` wake within the
   * clock's error bound of each other. Rejects with NetError `usage` for an `at` that is not a
   * finite number, `aborted` (`options.signal`, before the spin), or the session's close reason.
   * @example `await session.sleepUntil(roundStart + 3000)`
   */
  sleepUntil(at: number, options: SleepUntilOptions = {}): Promise<number> {
    return sleepUntil(this.#core, at, options, 'session.sleepUntil')
  }
}
