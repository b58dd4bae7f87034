/**
 * Measures how late this process's own timers run: an interval of `tickMs` adds up every tick's
 * delay beyond `tickMs`. A time bound in a test is what the library promises plus this (the time
 * the event loop was not running timers), never a guess at how fast the machine is.
 */
export interface StallObserver {
  /** Total lateness so far, in ms, the current (not yet fired) tick included. */
  readonly stalledMs: number
  /** Ms since the observer started. */
  readonly elapsedMs: number
  /**
   * Settles with `promise`'s outcome, or with `{ settled: false }` once `elapsedMs` exceeds
   * `boundMs()` (read at every tick) while it is still pending.
   */
  within<T>(promise: Promise<T>, boundMs: () => number): Promise<Outcome<T>>
  stop(): void
}

export type Outcome<T> = { settled: true; ok: true; value: T; atMs: number } | { settled: true; ok: false; error: unknown; atMs: number } | { settled: false }

export function observeStalls(tickMs = 10): StallObserver {
  const start = performance.now()
  let last = start
  let stalled = 0
  const checks = new Set<() => void>()
  const timer = setInterval(() => {
    const now = performance.now()
    stalled += Math.max(0, now - last - tickMs)
    last = now
    for (const check of [...checks]) check()
  }, tickMs)
  const observer: StallObserver = {
    get stalledMs() {
      return stalled + Math.max(0, performance.now() - last - tickMs)
    },
    get elapsedMs() {
      return performance.now() - start
    },
    within<T>(promise: Promise<T>, boundMs: () => number): Promise<Outcome<T>> {
      return new Promise((resolve) => {
        const check = (): void => {
          if (observer.elapsedMs <= boundMs()) return
          checks.delete(check)
          resolve({ settled: false })
        }
        checks.add(check)
        promise.then(
          (value) => resolve({ settled: true, ok: true, value, atMs: observer.elapsedMs }),
          (error: unknown) => resolve({ settled: true, ok: false, error, atMs: observer.elapsedMs }),
        )
        promise.finally(() => checks.delete(check)).catch(() => {})
      })
    },
    stop: () => clearInterval(timer),
  }
  return observer
}
