import { NetError, abortError } from '../base/errors.js'
import { onAbort } from '../base/abort.js'
import { noop } from '../base/noop.js'
import { MAX_TIMER_MS } from '../base/unref-timer.js'
import { defaultNow, type Now } from './local-clock.js'

/** Options for {@link waitUntil}. */
export interface WaitUntilOptions {
  /**
   * The clock `localTarget` is read on.
   * @default defaultNow (`performance.timeOrigin + performance.now()`)
   * @example waitUntil(t, { now: () => performance.now() })
   */
  now?: Now
  /** Rejects the wait with a `NetError` of code `aborted` (the signal's reason is the `cause`). */
  signal?: AbortSignal
  /**
   * How long before the target (ms) the timer hands over to a busy-wait on `now()`.
   * Why not a timer alone: Node timers run on the event loop's millisecond clock and were measured
   * firing up to ~1.8 ms *early* (median 0.7 ms) against `performance.now()`, and browser timers
   * are coarse and jitter by milliseconds. 3 ms leaves room for a timer that fires late, at the
   * price of blocking the thread for up to `spinMs` (measured in Node with the default: 2.7 ms
   * median, 2.8 ms p99). Once spinning, the wait can no longer be aborted (no event can run), so
   * keep this small.
   * @default 3
   * @example waitUntil(t, { spinMs: 2 })
   */
  spinMs?: number
}

/**
 * How much longer than `spinMs` (ms, on `Date.now()`) a spin may last before `now` is declared stuck.
 * A healthy clock never gets near it: `now()` is re-read before giving up, so even a long stall
 * of the thread ends in a (late) resolve. Generous because some browsers coarsen clocks to 100 ms.
 */
const STUCK_AFTER_MS = 250
/** Checking `Date.now()` every iteration would slow the spin; every this many is plenty. */
const WALL_CHECK_EVERY = 1024
/** Last resort when `Date.now()` is frozen too (fake timers): about 0.3 s of spinning in Node. */
const MAX_SPIN_ITERATIONS = 2 ** 26

/**
 * Resolves at `localTarget` on the `now` clock, as precisely as the platform allows: it sleeps with
 * `setTimeout` until `spinMs` before the target, then spins on `now()` until the target is reached.
 * A timer that fires too early is re-armed.
 *
 * Resolves with the lateness, `now() − localTarget` at the moment it returned (≥ 0); a target that
 * has already passed resolves at once with how far past it is. Rejects with a `NetError` of code
 * `aborted` when `signal` aborts before the spin starts, and with code `usage` for a non-finite
 * target, or when `now()` stops advancing (or returns a non-finite value) while spinning. Every
 * path clears its timer and removes its abort listener. Internal: `spinMs` (a finite number ≥ 0)
 * is not checked at run time.
 *
 * @example
 * ```ts
 * const late = await waitUntil(defaultNow() + 50, { signal })
 * console.log(`started ${late.toFixed(3)} ms late`)
 * ```
 */
export function waitUntil(localTarget: number, options: WaitUntilOptions = {}): Promise<number> {
  const { now = defaultNow, signal, spinMs = 3 } = options
  if (!Number.isFinite(localTarget)) {
    return Promise.reject(new NetError('usage', `waitUntil: target must be finite, got ${localTarget}`))
  }
  if (signal?.aborted === true) return Promise.reject(abortError(signal, 'waitUntil'))

  return new Promise<number>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let settled = false
    let offAbort: () => void = noop
    const finish = (settle: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      offAbort()
      settle()
    }
    offAbort = onAbort(signal, () => {
      if (signal !== undefined) finish(() => reject(abortError(signal, 'waitUntil')))
    })

    const step = (): void => {
      timer = undefined
      try {
        const untilSpin = localTarget - readClock(now) - spinMs
        if (untilSpin > 0) {
          // An early wake-up (Node's usual case) sleeps again rather than spinning longer: measured
          // in Node, that gave fewer interrupted (late) spins in most runs. Known limit: a browser clamps timers nested more
          // than 5 deep to 4 ms, so called from inside a timer chain a short re-arm can wake up to
          // 4 − spinMs ms late; the returned lateness reports it.
          // Capped: setTimeout fires a longer delay at once; the re-arm covers the rest.
          timer = setTimeout(step, Math.min(untilSpin, MAX_TIMER_MS))
          return
        }
        const lateness = spinUntil(localTarget, now, spinMs + STUCK_AFTER_MS)
        finish(() => resolve(lateness))
      } catch (err) {
        finish(() => reject(err))
      }
    }
    step()
  })
}

/** Reads `now`, refusing a non-finite reading: comparing against NaN would spin forever. */
function readClock(now: Now): number {
  const t = now()
  if (!Number.isFinite(t)) throw new NetError('usage', `waitUntil: now() returned ${t}`)
  return t
}

/**
 * Busy-waits until `now() >= target` and returns `now() − target` at that moment. Bounded: if the
 * clock has not reached the target after `maxWallMs` of wall time (or, should `Date.now` be
 * frozen too, {@link MAX_SPIN_ITERATIONS} readings), it throws instead of hanging the thread.
 */
function spinUntil(target: number, now: Now, maxWallMs: number): number {
  const wallStart = Date.now()
  for (let i = 1; ; i++) {
    const t = readClock(now)
    if (t >= target) return t - target
    if (i % WALL_CHECK_EVERY !== 0) continue
    const stalled = Date.now() - wallStart > maxWallMs || i >= MAX_SPIN_ITERATIONS
    if (stalled) {
      // The thread may have been descheduled for a long time right after the last reading;
      // a healthy clock is past the target by now, and a late start beats a false failure.
      const last = readClock(now)
      if (last >= target) return last - target
      throw new NetError(
        'usage',
        `waitUntil: now() stopped advancing (${last}) ${target - last} ms before the target while spinning`,
      )
    }
  }
}
