/**
 * How late this process's timers run: a chained timer every `periodMs` records by how much it
 * fired after it was due. A test derives its time bounds from this, never from how fast an idle
 * machine is. Stop it (`stop()`) on every path; it reschedules itself until then.
 */
export class TimerLatenessProbe {
  /** The largest lateness seen so far, in ms. */
  maxLatenessMs = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(readonly periodMs = 10) {
    this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    const due = performance.now() + this.periodMs
    this.timer = setTimeout(() => {
      this.maxLatenessMs = Math.max(this.maxLatenessMs, performance.now() - due)
      this.schedule()
    }, this.periodMs)
  }

  /**
   * The most a timer due at some instant in the watched span can have fired late: a stall that
   * delayed it delayed the probe's next tick too, which was due at most one period later.
   */
  get boundMs(): number {
    return this.maxLatenessMs + this.periodMs
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }
}
