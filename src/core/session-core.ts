import type { EventEmitter } from 'eventemitter3'
import type { FrameChannel } from '../transport/frame-channel.js'
import { abortError, NetError } from '../base/errors.js'
import { emitSafely } from '../base/emit-safely.js'
import { noop } from '../base/noop.js'
import { onAbort } from '../base/abort.js'
import { deferred } from '../base/deferred.js'
import { unreachable } from '../base/unreachable.js'
import { Goodbye, type Parting } from './goodbye.js'
import { Handshake } from './handshake.js'
import { SilenceWatch } from './silence-watch.js'
import type { OpHost } from './op-host.js'
import type { CancellablePort, PortHandlers } from './port.js'
import { PortRouter } from './port-router.js'
import type { ClockEstimate } from '../clock/clock-tracker.js'
import { SessionClock } from './session-clock.js'
import type { SessionEvents, SessionState, SessionStats } from './session-events.js'
import { resolveSessionOptions, type InternalSessionOptions, type ResolvedSessionOptions } from './options.js'
import { SessionFrames } from './session-frames.js'
import { encodePortFrame, encodeSessionFrame, type SessionFrame } from './wire.js'
import { adoptBudget } from '../transport/frame-receiver.js'
import { suspensionOf, type Suspension } from './resume/suspension.js'
import { ScopeRegistry } from './scope/scope-registry.js'

/**
 * The session machinery: handshake, heartbeat, clock samples, port routing and close. The facade
 * `Session` (src/session.ts) owns one and hands it to the ops as their {@link OpHost}.
 */
export class SessionCore implements OpHost {
  #isLeader = false
  #closeReason: NetError | undefined
  readonly #closed = deferred<NetError>()
  /** Aborted with the close reason on shutdown: lets a wait stop without holding on to `#closed`. */
  readonly #closing = new AbortController()
  readonly #channel: FrameChannel
  readonly #opts: ResolvedSessionOptions
  readonly #frames: SessionFrames
  readonly #router: PortRouter
  readonly #goodbye: Goodbye
  readonly #clock: SessionClock
  readonly #handshake: Handshake
  readonly #silence: SilenceWatch
  /** Drops, resumes and the grace timer; only with the `resume` option. */
  readonly suspension: Suspension | undefined
  readonly scopes: ScopeRegistry

  /** `events`: where the events go, the facade's emitter, which users subscribe to. */
  constructor(channel: FrameChannel, options: InternalSessionOptions, readonly events: EventEmitter<SessionEvents>) {
    this.#opts = resolveSessionOptions(options)
    this.#frames = new SessionFrames(channel, this.#opts)
    this.#channel = this.#frames.channel
    const { now, heartbeatMs, timeoutMs, clockBurst, maxFrameBytes } = this.#opts
    this.#clock = new SessionClock({ now, heartbeatMs, clockBurst, events, closed: this.#closed.promise, isLeader: () => this.isLeader, backlog: () => this.#channel.bufferedAmount, send: (frame) => this.#send(frame) })
    this.#goodbye = new Goodbye(this.#channel, this.#opts.timeoutMs)
    this.#handshake = new Handshake(this.#opts, (hello) => void this.#send({ type: 'hello', ...hello, maxFrameBytes }).catch(noop))
    const silent = (reason: NetError): void => void (this.suspension?.silent(reason) === true || this.#shutdown(reason, 'abandon'))
    this.#silence = new SilenceWatch(heartbeatMs, timeoutMs, () => this.#clock.heartbeat(), silent)
    const core = this
    this.#router = new PortRouter(
      {
        get isLeader(): boolean {
          return core.isLeader
        },
        sendPortMessage: (key, kind, message) => this.#sendInLane(key, encodePortFrame(key, kind, message)),
        // In the key's lane: a cancel must not overtake the operation's own (maybe large) message.
        sendCancel: (key, type) => this.#sendInLane(key, encodeSessionFrame({ type, key })),
        now: () => this.now(),
        clockErrorBound: () => (this.isLeader ? 0 : this.#clock.tracker.errorBoundMs),
      },
      this.#opts.maxPendingMessages,
      (err) => this.#shutdown(err, 'initiate'),
      adoptBudget(channel, this.#opts.maxHeldBytes),
    )
    this.scopes = new ScopeRegistry(this, (lane, wire) => this.#sendInLane(lane, wire), this.#router)
    const parts = { silence: this.#silence, clock: this.#clock, events, memory: this.#router.memory }
    const close = (reason: NetError): void => this.#shutdown(reason, 'silent')
    this.suspension = suspensionOf(this.#frames, this.#opts, { ...parts, close, fail: (reason) => this.#shutdown(reason, 'initiate') })
  }

  /** Runs the handshake and the first clock burst; called once by `Session.open`. */
  async start(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) {
      // Nothing was sent yet: close the channel (it is the session's now) without a word.
      const reason = abortError(signal, 'opening the session')
      this.#shutdown(reason, 'silent')
      throw reason
    }
    this.#channel.onFrame((frame) => this.#onFrame(frame))
    void this.#channel.closed.then((reason) =>
      this.#shutdown(reason.code === 'protocol' ? reason : new NetError('closed', 'the connection closed', { cause: reason }), 'silent'),
    )
    this.#silence.start()
    const stopAbort = onAbort(signal, () => this.#shutdown(abortError(signal!, 'opening the session'), 'initiate'))
    try {
      this.#handshake.start()
      await this.#handshake.decided
      if (this.state === 'open') await this.#clock.burst() // a suspension ends it: see Session.open
    } finally {
      stopAbort()
    }
    if (this.#closeReason !== undefined) throw this.#closeReason
    this.#silence.opened()
    this.suspension?.announceLate()
  }

  /** What crossed the wire so far, and how many operations are open. */
  get stats(): SessionStats {
    return { ...this.#frames.stats, openOperations: this.#router.openCount, heldMessages: this.#router.pendingMessages, heldBytes: this.#router.memory.held }
  }

  /** The current clock estimate: offset to the peer's clock, round-trip time and error bound. */
  get clock(): ClockEstimate {
    return this.#clock.estimate
  }

  /** True on the side that breaks every exact tie; its clock is the shared timeline. */
  get isLeader(): boolean {
    return this.#isLeader
  }

  /** The shared timeline in ms: the leader's clock, as well as this side can tell. */
  now(): number {
    return this.#isLeader ? this.#opts.now() : this.#opts.now() + this.#clock.tracker.offset
  }

  /** Aborts, with the close reason, when the session closes. */
  get closeSignal(): AbortSignal {
    return this.#closing.signal
  }

  /** Resolves with the close reason once the session has closed; never rejects (see Session.closed). */
  get closed(): Promise<NetError> {
    return this.#closed.promise
  }

  get closedReason(): NetError | undefined {
    return this.#closeReason
  }

  get isClosed(): boolean {
    return this.#closeReason !== undefined
  }

  get state(): SessionState {
    return this.isClosed ? 'closed' : (this.suspension?.state ?? 'open')
  }

  /** See Session.resume. */
  resume(channel: FrameChannel, signal: AbortSignal | undefined): Promise<void> {
    if (this.suspension !== undefined) return this.suspension.resume(channel, signal)
    channel.close()
    return Promise.reject(new NetError('usage', 'session.resume: open the session with the resume option on both sides'))
  }

  /** See Session.close: rejects every pending call at once, resolves once the peer answered (or `timeoutMs`). */
  async close(): Promise<void> {
    this.#shutdown(new NetError('closed', 'the session was closed locally'), 'initiate')
    await this.#channel.closed
  }

  openPort<Out, In>(kind: string, key: string, handlers: PortHandlers<In>): CancellablePort<Out> {
    return this.#router.openPort<Out, In>(kind, key, handlers)
  }

  nextKey(kind: string): string {
    return this.#router.nextKey(kind)
  }

  /** Sends a frame an operation depends on in `lane` (sequenced); a scope's end waits until it is on the wire. */
  #sendInLane(lane: string, wire: unknown[]): Promise<void> {
    if (this.#closeReason !== undefined) return Promise.reject(this.#closeReason)
    return this.scopes.track(lane, this.#frames.sendReliable(wire, lane))
  }

  acceptPorts(kind: string, accept: (key: string) => void): () => void {
    return this.#router.acceptPorts(kind, accept)
  }

  /** Sends a session frame; never throws (a failure shows up as the returned promise). */
  #send(frame: SessionFrame): Promise<void> {
    if (this.#closeReason !== undefined && frame.type !== 'bye') return Promise.reject(this.#closeReason)
    return this.#frames.sendControl(frame)
  }

  #onFrame(bytes: Uint8Array): void {
    if (this.#closeReason !== undefined) {
      if (this.#goodbye.awaitsAnswer && this.#frames.isBye(bytes)) this.#goodbye.answered()
      return
    }
    this.#silence.heard()
    try {
      const frame = this.#frames.read(bytes)
      if (frame !== undefined) this.#handle(frame)
    } catch (err) {
      const reason = err instanceof NetError ? err : new NetError('protocol', 'a peer frame could not be handled', { cause: err })
      this.#shutdown(reason, 'initiate')
    }
  }

  #handle(frame: SessionFrame): void {
    switch (frame.type) {
      case 'hello': {
        const isLeader = this.#handshake.onHello(frame)
        if (isLeader === undefined) return
        this.#isLeader = isLeader
        return this.#frames.agree(frame, this.#router.memory, isLeader)
      }
      case 'ping':
        return this.#clock.onPing(frame)
      case 'pong':
        return this.#clock.onPong(frame)
      case 'bye':
        return this.#shutdown(
          new NetError(frame.code, frame.code === 'closed' ? 'the peer closed the session' : `the peer closed the session: ${frame.reason}`),
          'answer',
        )
      case 'port':
        return this.#router.route(frame.key, frame.kind, frame.message, this.#frames.lastCost)
      case 'cancel':
        return this.#router.routeCancel(frame.key)
      case 'cancelled':
        return this.#router.routeCancelled(frame.key)
      case 'scopeEnd':
        return this.scopes.onPeerEnd(frame.path, frame.how, frame.reason)
      default:
        return unreachable(frame)
    }
  }

  /** Closes the session for `reason`; the channel closes once the `bye` handshake allows (goodbye.ts). */
  #shutdown(reason: NetError, how: Parting): void {
    if (this.#closeReason !== undefined) return
    this.#closeReason = reason
    this.#silence.stop()
    this.#clock.stop()
    this.#handshake.fail(reason)
    this.#router.closeAll(reason)
    this.scopes.closeAll(reason)
    this.#frames.stop(reason)
    this.suspension?.stop()
    // A peer that never said hello may have no session reading the channel: nobody would answer.
    const parting = how === 'initiate' && !this.#handshake.isDone ? 'abandon' : how
    const code = reason.code === 'aborted' ? 'closed' : reason.code
    this.#goodbye.part(parting, reason, () => this.#send({ type: 'bye', code, reason: reason.message }))
    this.#closed.resolve(reason)
    this.#closing.abort(reason)
    emitSafely(this.events, 'close', reason)
  }
}
