/**
 * The session's view of the peer's clock. Both sides keep one, each from its own probes; only the
 * follower's is used to map onto the shared timeline (the leader's clock), so on the leader it is
 * informational (its `session.now()` is exact).
 */
export interface ClockEstimate {
  /** Peer clock minus local clock, in ms. */
  readonly offsetMs: number
  /** Round-trip time of the sample the offset comes from, in ms. */
  readonly rttMs: number
  /**
   * The true offset lies within `offsetMs ± errorBoundMs`: `rttMs / 2`, plus an allowance for clock
   * drift (15 ppm) since that sample was taken. Infinity before the first sample.
   */
  readonly errorBoundMs: number
  /** How many samples the estimate draws on. */
  readonly samples: number
  /**
   * How long a message may take right now, in ms: the slowest of the last 32 round trips plus the
   * most this side's heartbeat ticks ran late over the last 8 beats (a busy machine). `rttMs` is
   * the best case, for the offset; this is the cautious one, for scheduling: `syncStart` never
   * leads by less. 0 before any sample.
   */
  readonly recentDelayMs: number
}

/** The estimate before the first sample. */
export const NO_ESTIMATE: ClockEstimate = { offsetMs: 0, rttMs: Infinity, errorBoundMs: Infinity, samples: 0, recentDelayMs: 0 }
