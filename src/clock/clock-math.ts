/**
 * One NTP-style 4-timestamp exchange, all in milliseconds. `t0` and `t3` are read on the local
 * clock, `t1` and `t2` on the remote clock.
 */
export interface ClockSample {
  /** Local clock when the probe was sent. */
  readonly t0: number
  /** Remote clock when the probe arrived. */
  readonly t1: number
  /** Remote clock when the reply was sent. */
  readonly t2: number
  /** Local clock when the reply arrived. */
  readonly t3: number
}

/**
 * The offset of the remote clock from the local one (remote − local) that `s` implies:
 * `((t1 − t0) + (t2 − t3)) / 2`. Exact when both legs take equally long; otherwise off by half
 * their difference, which is never more than `sampleRtt(s) / 2`.
 */
export function sampleOffset(s: ClockSample): number {
  return (s.t1 - s.t0 + (s.t2 - s.t3)) / 2
}

/**
 * Time the probe spent on the wire, both legs together: `(t3 − t0) − (t2 − t1)`. Clamped at 0:
 * coarse clocks (browsers round to 0.1–1 ms) can make the remote hold time read longer than the
 * local round trip.
 */
export function sampleRtt(s: ClockSample): number {
  return Math.max(0, s.t3 - s.t0 - (s.t2 - s.t1))
}

/**
 * False for samples no real exchange can produce: a non-finite stamp or offset, a reply received
 * before the probe was sent (`t3 < t0`), or a reply sent before the probe arrived (`t2 < t1`).
 * Such samples come from a broken clock or a broken peer and must not reach the filter.
 */
export function isValidSample(s: ClockSample): boolean {
  return (
    Number.isFinite(s.t0) &&
    Number.isFinite(s.t1) &&
    Number.isFinite(s.t2) &&
    Number.isFinite(s.t3) &&
    s.t3 >= s.t0 &&
    s.t2 >= s.t1 &&
    Number.isFinite(sampleOffset(s))
  )
}

/** How far the peer's stamps may lie outside this side's probe span: beyond a day is no clock. */
export const MAX_CLOCK_OFFSET_MS = 86_400_000
/**
 * How much longer the peer may report holding a probe than the whole round trip took here:
 * coarse clocks (browsers round to 0.1 ms, and to 100 ms with fingerprinting protection) can
 * make an honest hold read up to a few of their steps longer; a second more is no rounding.
 */
export const MAX_NEGATIVE_RTT_MS = 1000

/**
 * Why the peer's stamps in `s` cannot come from a real exchange, or undefined when they can:
 * `t1`/`t2` not finite, a reply sent before the probe arrived (`t2 < t1`), a round trip shorter
 * than the peer's hold time by more than {@link MAX_NEGATIVE_RTT_MS}, or stamps more than
 * {@link MAX_CLOCK_OFFSET_MS} outside the local span `[t0, t3]`. Checked on every pong: such a
 * sample is the peer's protocol error, and keeps the offset finite.
 */
export function implausibleSample(s: ClockSample): string | undefined {
  if (!Number.isFinite(s.t1) || !Number.isFinite(s.t2)) return 'a clock sample with a non-finite timestamp'
  if (s.t2 < s.t1) return 'a clock sample replied before the probe arrived (t2 < t1)'
  if (s.t2 - s.t1 - (s.t3 - s.t0) > MAX_NEGATIVE_RTT_MS) return 'a clock sample with a negative round-trip time'
  if (s.t1 < s.t0 - MAX_CLOCK_OFFSET_MS || s.t2 > s.t3 + MAX_CLOCK_OFFSET_MS) {
    return 'a clock sample more than a day away from this side\'s clock'
  }
  return undefined
}

/** Maps a local clock reading onto the remote clock, given `offset` = remote − local. */
export function localToRemote(local: number, offset: number): number {
  return local + offset
}

/** Maps a remote clock reading onto the local clock, given `offset` = remote − local. */
export function remoteToLocal(remote: number, offset: number): number {
  return remote - offset
}

/** The current best estimate of the remote clock, as reported by {@link ClockFilter.estimate}. */
export interface ClockEstimate {
  /** Remote clock minus local clock, in ms. */
  readonly offsetMs: number
  /** Round-trip time of the sample the offset comes from, in ms. */
  readonly rttMs: number
  /**
   * The true offset lies within `offsetMs ± errorBoundMs`: `rttMs / 2`, plus `driftRate` × the time
   * since the chosen probe was sent when a drift rate is configured. Clock resolution is not
   * included.
   */
  readonly errorBoundMs: number
  /** How many samples the window holds. */
  readonly samples: number
  /** Local clock when the chosen sample's reply arrived (its `t3`). */
  readonly at: number
}

/** Options for {@link ClockFilter}. */
export interface ClockFilterOptions {
  /**
   * How many of the most recent samples to keep.
   * @default 64
   * @example new ClockFilter({ maxSamples: 16 })
   */
  maxSamples?: number
  /**
   * Samples whose reply arrived more than this many ms (local clock) before the newest sample's
   * are dropped, so that a drifting clock is followed instead of pinned to an old sample.
   * @default 60_000
   * @example new ClockFilter({ maxAgeMs: 10_000 })
   */
  maxAgeMs?: number
  /**
   * Assumed worst-case drift between the two clocks (ms per ms, e.g. `1e-5` = 10 ppm). When
   * non-zero, each sample's error bound grows by `driftRate × age`, the filter picks the sample with
   * the smallest such bound (NTP's clock filter does the same), and `errorBoundMs` includes it. With
   * `0`, the filter is plain minimum-RTT and `errorBoundMs` is `rttMs / 2`.
   * @default 0
   * @example new ClockFilter({ driftRate: 2e-5 })
   */
  driftRate?: number
}

/**
 * Estimates the remote clock's offset from a recent window of {@link ClockSample}s.
 *
 * Why the minimum-RTT sample: a sample's offset error is half the difference of its two one-way
 * delays, and that is at most half their sum, `rtt / 2`. Queueing, retransmits and scheduler stalls
 * only ever add delay, usually to one leg, so the sample with the smallest RTT is the one with the
 * least room for asymmetry, and its `rtt / 2` is a hard bound (for a constant offset) that averaging
 * would give up. Outliers with large RTTs are simply never chosen.
 *
 * @example
 * ```ts
 * const filter = new ClockFilter()
 * filter.add({ t0, t1, t2, t3 })
 * const est = filter.estimate()   // { offsetMs, rttMs, errorBoundMs, samples, at } | undefined
 * ```
 */
export class ClockFilter {
  private readonly maxSamples: number
  private readonly maxAgeMs: number
  private readonly driftRate: number
  /** Oldest first; `sent` is the sample's t0 and `at` its t3. */
  private window: Array<{ offset: number; rtt: number; sent: number; at: number }> = []
  private newest = -Infinity
  private best: ClockEstimate | undefined

  /** Internal, with constant options from the library itself: they are not checked at run time. */
  constructor(options: ClockFilterOptions = {}) {
    const { maxSamples = 64, maxAgeMs = 60_000, driftRate = 0 } = options
    this.maxSamples = maxSamples
    this.maxAgeMs = maxAgeMs
    this.driftRate = driftRate
  }

  /** Number of samples in the window. */
  get size(): number {
    return this.window.length
  }

  /**
   * Adds a sample. Returns false (and changes nothing) when the sample is invalid
   * ({@link isValidSample}) or already older than the window.
   */
  add(sample: ClockSample): boolean {
    if (!isValidSample(sample)) return false
    // Samples normally arrive in t3 order, but a late reply to an earlier probe must not move the
    // window's reference backwards.
    const newest = Math.max(this.newest, sample.t3)
    if (newest - sample.t3 > this.maxAgeMs) return false
    this.newest = newest
    this.window.push({ offset: sampleOffset(sample), rtt: sampleRtt(sample), sent: sample.t0, at: sample.t3 })
    const cutoff = newest - this.maxAgeMs
    this.window = this.window.filter((e) => e.at >= cutoff).slice(-this.maxSamples)
    this.best = this.pick()
    return true
  }

  /**
   * The current estimate, or undefined before the first sample. `now` (local clock) only matters
   * with a `driftRate`: the bound then also covers the time since the newest sample.
   */
  estimate(now?: number): ClockEstimate | undefined {
    const best = this.best
    if (best === undefined || this.driftRate === 0 || now === undefined || !(now > this.newest)) {
      return best
    }
    return { ...best, errorBoundMs: best.errorBoundMs + this.driftRate * (now - this.newest) }
  }

  /** Drops every sample (e.g. after the peer reconnects with a fresh clock). */
  clear(): void {
    this.window = []
    this.newest = -Infinity
    this.best = undefined
  }

  /** Smallest error bound relative to the newest sample; ties go to the newer sample. */
  private pick(): ClockEstimate | undefined {
    let chosen: ClockEstimate | undefined
    for (const e of this.window) {
      // Drift is counted from t0, not t3: the remote stamps lie somewhere inside [t0, t3], and
      // counting from t0 keeps the bound honest for that stretch too.
      const errorBound = e.rtt / 2 + this.driftRate * (this.newest - e.sent)
      if (chosen === undefined || errorBound <= chosen.errorBoundMs) {
        chosen = { offsetMs: e.offset, rttMs: e.rtt, errorBoundMs: errorBound, samples: this.window.length, at: e.at }
      }
    }
    return chosen
  }
}
