/**
 * How late this process's timers run: an interval every `periodMs` records by how much each tick
 * fired after it was due. A test derives its time bounds from this (the time the event loop was
 * not running timers), never from how fast an idle machine is. Stop it (`stop()`) on every path.
 */
export type Outcome<T> = { settled: true; ok: true; value: T; atMs: number } | { settled: true; ok: false; error: unknown; atMs: number } | { settled: false }

export class TimerLatenessProbe {
  readonly #start = performance.now()
  #lastTickAt = this.#start
  #totalMs = 0
  #maxMs = 0
  readonly #checks = new Set<() => void>()
  readonly #timer: ReturnType<typeof setInterval>

  constructor(readonly periodMs = 10) {
    // Node schedules an interval's next tick from when the current one ran, so each tick's
    // lateness is its gap from the previous tick less one period.
    this.#timer = setInterval(() => {
      const now = performance.now()
      const late = Math.max(0, now - this.#lastTickAt - periodMs)
      this.#totalMs += late
      this.#maxMs = Math.max(this.#maxMs, late)
      this.#lastTickAt = now
      for (const check of [...this.#checks]) check()
    }, periodMs)
  }

  /** How late the tick now due (not yet fired) already is, in ms. */
  get #pendingMs(): number {
    return Math.max(0, performance.now() - this.#lastTickAt - this.periodMs)
  }

  /** Total lateness so far, in ms, the current (not yet fired) tick included. */
  get totalLatenessMs(): number {
    return this.#totalMs + this.#pendingMs
  }

  /** The largest lateness of one tick so far, in ms, the current (not yet fired) tick included. */
  get maxLatenessMs(): number {
    return Math.max(this.#maxMs, this.#pendingMs)
  }

  /**
   * The most a timer due at some instant in the watched span can have fired late: a stall that
   * delayed it delayed the probe's next tick too, which was due at most one period later.
   */
  get boundMs(): number {
    return this.maxLatenessMs + this.periodMs
  }

  /** Ms since the probe started. */
  get elapsedMs(): number {
    return performance.now() - this.#start
  }

  /**
   * Settles with `promise`'s outcome, or with `{ settled: false }` once `elapsedMs` exceeds
   * `boundMs()` (read at every tick) while it is still pending.
   */
  within<T>(promise: Promise<T>, boundMs: () => number): Promise<Outcome<T>> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.elapsedMs <= boundMs()) return
        this.#checks.delete(check)
        resolve({ settled: false })
      }
      this.#checks.add(check)
      promise.then(
        (value) => resolve({ settled: true, ok: true, value, atMs: this.elapsedMs }),
        (error: unknown) => resolve({ settled: true, ok: false, error, atMs: this.elapsedMs }),
      )
      promise.finally(() => this.#checks.delete(check)).catch(() => {})
    })
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#checks.clear()
  }
}
