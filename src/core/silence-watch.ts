import { unrefTimer } from '../base/unref-timer.js'

/**
 * The session's heartbeat: ticks every `intervalMs` and counts the peer's silence between
 * frames; past `timeoutMs` of silence it calls `onSilent` instead of `onTick`.
 */
export class SilenceWatch {
  #silentMs = 0
  #lastTick = performance.now()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly onTick: () => void,
    private readonly onSilent: (silentMs: number) => void,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.#tick(), this.intervalMs)
    unrefTimer(this.#timer)
  }

  /** A frame arrived from the peer. */
  heard(): void {
    this.#silentMs = 0
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  #tick(): void {
    const now = performance.now()
    // A late tick means this side's own event loop was busy, and the peer's frames may be waiting
    // unread behind this timer: such a stall counts as one interval at most, never as silence.
    this.#silentMs += Math.min(now - this.#lastTick, this.intervalMs)
    this.#lastTick = now
    if (this.#silentMs > this.timeoutMs) this.onSilent(this.#silentMs)
    else this.onTick()
  }
}
