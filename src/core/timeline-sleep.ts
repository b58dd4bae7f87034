import { abortError } from '../base/errors.js'
import { onAbort } from '../base/abort.js'
import { checkOptionsObject, checkSignal, describeValue, rejectMisuse, usageError } from '../base/arguments.js'
import { waitUntil } from '../clock/start-timer.js'

/** Options for `session.sleepUntil`. */
export interface SleepUntilOptions {
  /** Aborts the sleep (until its last few ms, which spin): it then rejects with NetError `aborted`. */
  signal?: AbortSignal
}

/** What a sleep on the shared timeline needs from its session. */
export interface Timeline {
  /** The shared timeline (the leader's clock, as well as this side can tell), in ms. */
  now(): number
  /** Aborts, with the close reason, when the session closes. */
  readonly closeSignal: AbortSignal
}

/** `session.sleepUntil`: checks its arguments (NetError `usage`), then {@link sleepOnTimeline}. */
export function sleepUntil(timeline: Timeline, at: number, options: SleepUntilOptions, where: string): Promise<number> {
  const misuse = rejectMisuse(() => {
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw usageError(where, `at must be a finite number (ms on the shared timeline), got ${describeValue(at)}`)
    }
    checkSignal(where, checkOptionsObject(where, options).signal)
  })
  return misuse ?? sleepOnTimeline(timeline, at, options.signal, where)
}

/**
 * Resolves once `timeline.now()` reaches `at`, with how late it woke (ms ≥ 0), using the clock
 * layer's timer-then-spin wait; a past `at` resolves at once. Re-reads the timeline as it goes,
 * so a clock estimate that moves meanwhile moves the wake-up with it.
 *
 * Rejects with NetError `aborted` when `signal` aborts (or was aborted) and with the session's
 * close reason when it closes first (or had closed): a timeline without a session behind it no
 * longer means "the same instant on both sides". `at` must be finite.
 * Every path removes its listeners.
 */
export function sleepOnTimeline(timeline: Timeline, at: number, signal: AbortSignal | undefined, where: string): Promise<number> {
  const { closeSignal } = timeline
  if (signal?.aborted === true) return Promise.reject(abortError(signal, where))
  if (closeSignal.aborted) return Promise.reject(closeSignal.reason)
  const stop = new AbortController()
  const offClose = onAbort(closeSignal, () => stop.abort(closeSignal.reason))
  const offAbort = onAbort(signal, () => stop.abort(abortError(signal!, where)))
  // Both reasons are NetErrors, which waitUntil rejects with as they are.
  return waitUntil(at, { now: () => timeline.now(), signal: stop.signal }).finally(() => {
    offClose()
    offAbort()
  })
}
