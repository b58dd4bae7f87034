import { NetError } from '../base/errors.js'
import { unrefTimer } from '../base/unref-timer.js'

/**
 * The session's heartbeat: ticks every `intervalMs` and counts the peer's silence between
 * frames; past `timeoutMs` of silence it calls `onTimeout` instead of `onTick`. The same bound is
 * the handshake's deadline: until {@link SilenceWatch.opened}, `timeoutMs` after `start()` ends it
 * too, whatever the peer sent (a peer that pings and never says hello would otherwise keep
 * `Session.open` pending forever).
 */
export class SilenceWatch {
  #silentMs = 0
  /** When the last frame arrived (performance.now()). */
  #heardAt = -Infinity
  /** Time since `start()`, counted like the silence; undefined once the session is open. */
  #openingMs: number | undefined = 0
  #lastTick = performance.now()
  #timer: ReturnType<typeof setInterval> | undefined
  /** Set by {@link SilenceWatch.awaitPeer}: called when the peer is heard again. */
  #back: (() => void) | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly onTick: () => void,
    private readonly onTimeout: (reason: NetError) => void,
  ) {}

  start(): void {
    this.#silentMs = 0 // a restart (after a resume) counts afresh
    this.#lastTick = performance.now()
    this.#timer = setInterval(() => this.#tick(), this.intervalMs)
    unrefTimer(this.#timer)
  }

  /** A frame arrived from the peer. */
  heard(): void {
    this.#heardAt = performance.now()
    const back = this.#back
    this.#back = undefined
    back?.()
  }

  /**
   * Silence no longer times out (a suspended session's grace timer decides instead), but the
   * heartbeat goes on probing the channel; `back` runs when the peer is heard again.
   */
  awaitPeer(back: () => void): void {
    this.#back = back
  }

  /** The handshake completed: from now on only silence ends the session. */
  opened(): void {
    this.#openingMs = undefined
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#back = undefined
  }

  #tick(): void {
    const now = performance.now()
    // A late tick means this side's own event loop was busy, and the peer's frames may be waiting
    // unread behind this timer: such a stall counts as one interval at most, never as silence.
    const step = Math.min(now - this.#lastTick, this.intervalMs)
    // Silence counts from the last frame, not from the tick before it: counted from the tick, it
    // came out up to one interval longer than it was, and a session closed after a silence just
    // over timeoutMs − heartbeatMs (a 4.5 s outage closed a session at 5.47 s).
    const heardSinceTick = this.#heardAt > this.#lastTick
    const silentStep = heardSinceTick ? Math.min(now - this.#heardAt, step) : step
    this.#lastTick = now
    this.#silentMs = (heardSinceTick ? 0 : this.#silentMs) + silentStep
    if (this.#openingMs !== undefined) this.#openingMs += step
    if (this.#silentMs > this.timeoutMs && this.#back === undefined) {
      this.onTimeout(new NetError('timeout', `the peer has been silent for ${Math.round(this.#silentMs)} ms`))
    } else if (this.#openingMs !== undefined && this.#openingMs > this.timeoutMs) {
      this.onTimeout(new NetError('timeout', `the handshake did not complete within ${this.timeoutMs} ms (timeoutMs)`))
    } else {
      this.onTick()
    }
  }
}
