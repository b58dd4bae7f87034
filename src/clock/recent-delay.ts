/**
 * How long a message may take right now, as far as this side can measure: the slowest recent
 * round trip, plus the most its own heartbeat ticks ran late lately.
 *
 * Why both: the clock keeps the *fastest* round trip (the one that places the offset best), which
 * says nothing about a busy machine. A round trip that coincided with a stall of either side's
 * event loop shows that stall; a heartbeat tick that ran late shows one of this side's own,
 * whether or not a probe was in flight. Scheduling ahead by less than this invites a message that
 * arrives after the instant it was meant to announce (syncStart's `late`).
 */
export class RecentDelay {
  readonly #rtts = new RecentMax(32)
  readonly #beatLateness = new RecentMax(8)
  #lastBeat: number | undefined

  constructor(private readonly heartbeatMs: number) {}

  /** A probe's round-trip time (ms). */
  addRtt(rtt: number): void {
    if (Number.isFinite(rtt) && rtt >= 0) this.#rtts.add(rtt)
  }

  /** A heartbeat tick ran at `now` (ms, this side's clock): it was due one interval after the last. */
  addBeat(now: number): void {
    if (this.#lastBeat !== undefined) this.#beatLateness.add(Math.max(0, now - this.#lastBeat - this.heartbeatMs))
    this.#lastBeat = now
  }

  /** The slowest of the last 32 round trips plus the latest of the last 8 ticks (ms); 0 before any. */
  get ms(): number {
    return this.#rtts.max + this.#beatLateness.max
  }
}

/** The largest of the last `size` values added (0 when none). */
class RecentMax {
  readonly #values: number[] = []

  constructor(private readonly size: number) {}

  add(value: number): void {
    this.#values.push(value)
    if (this.#values.length > this.size) this.#values.shift()
  }

  get max(): number {
    let max = 0
    for (const v of this.#values) if (v > max) max = v
    return max
  }
}
