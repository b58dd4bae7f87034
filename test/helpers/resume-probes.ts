/**
 * Session resume as the real-transport tests and benchmarks drive it, through the public API only
 * (the benchmarks run against the built library): the option, and the next `suspended` /
 * `resumed` event as a promise.
 */
import type { NetError } from '../../src/base/errors.js'
import type { SessionOptions } from '../../src/core/options.js'
import type { Session } from '../../src/session.js'
import type { MemoryFrameChannel } from '../../src/transport/memory.js'

/** Session options with resume on (`graceMs` long enough that only the test ends a suspension). */
export function resumeOptions(graceMs = 60_000, more: SessionOptions = {}): SessionOptions {
  return { ...more, resume: { graceMs } }
}

/** Resolves on the session's next `suspended` event, with its reason. */
export function nextSuspended(session: Session): Promise<NetError> {
  return new Promise((resolve) => {
    const once = (reason: NetError): void => {
      session.off('suspended', once)
      resolve(reason)
    }
    session.on('suspended', once)
  })
}

/** Resolves on the session's next `resumed` event. */
export function nextResumed(session: Session): Promise<void> {
  return new Promise((resolve) => {
    const once = (): void => {
      session.off('resumed', once)
      resolve()
    }
    session.on('resumed', once)
  })
}

/** Cuts a memory pair abruptly: whatever is in flight is lost, and each end sees its own close. */
export function cutMemoryPair(x: MemoryFrameChannel, y: MemoryFrameChannel): void {
  x.sever()
  x.close()
  y.close()
}
