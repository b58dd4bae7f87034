/**
 * Session resume as the real-transport tests and benchmarks drive it: the option, the state, the
 * next `suspended` / `resumed`, and `resume(channel)`. One place, so the tests read the same
 * whether the API is reached through the facade or the core.
 */
import type { NetError } from '../../src/base/errors.js'
import type { InternalSessionOptions, SessionOptions } from '../../src/core/options.js'
import type { Suspension } from '../../src/core/resume/suspension.js'
import type { FrameChannel } from '../../src/transport/frame-channel.js'
import { sessionCore, type Session } from '../../src/session.js'

/** Session options with resume on (`graceMs` long enough that only the test ends a suspension). */
export function resumeOptions(graceMs = 60_000, more: SessionOptions = {}): SessionOptions {
  return { ...more, resume: { graceMs } } as InternalSessionOptions
}

function suspensionOf(session: Session): Suspension {
  const suspension = sessionCore(session).suspension
  if (suspension === undefined) throw new Error('no suspension: the resume option is off')
  return suspension
}

/** `open`, `suspended` or `closed`. */
export function stateOf(session: Session): 'open' | 'suspended' | 'closed' {
  return sessionCore(session).closedReason === undefined ? suspensionOf(session).state : 'closed'
}

/** Resolves on the session's next `suspended` event, with its reason. */
export function nextSuspended(session: Session): Promise<NetError> {
  const set = suspensionOf(session).listeners.suspended
  return new Promise((resolve) => {
    const once = (reason: NetError): void => {
      set.delete(once)
      resolve(reason)
    }
    set.add(once)
  })
}

/** Resolves on the session's next `resumed` event. */
export function nextResumed(session: Session): Promise<void> {
  const set = suspensionOf(session).listeners.resumed
  return new Promise((resolve) => {
    const once = (): void => {
      set.delete(once)
      resolve()
    }
    set.add(once)
  })
}

/** `session.resume(channel)`. */
export function resumeOver(session: Session, channel: FrameChannel, signal?: AbortSignal): Promise<void> {
  return suspensionOf(session).resume(channel, signal)
}
