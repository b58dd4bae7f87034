import type { NetError } from '../base/errors.js'
import type { ClockEstimate } from '../clock/clock-tracker.js'

/** Events a session emits. */
export interface SessionEvents {
  /** The session closed; `reason` says why (code `closed`, `timeout`, `protocol`, …). */
  close: [reason: NetError]
  /** A new round-trip time sample, in ms. */
  rtt: [rttMs: number]
  /** The clock estimate changed. */
  clock: [estimate: ClockEstimate]
  /**
   * With the `resume` option: the connection dropped (`reason` says how: the transport closed, or
   * the peer went silent). The session waits for {@link Session.resume} until `graceMs` passes.
   */
  suspended: [reason: NetError]
  /** With the `resume` option: the session continues over the channel given to `resume`. */
  resumed: []
}

/** A snapshot of what crossed the wire, for diagnostics. */
export interface SessionStats {
  /** Frames this side sent (session frames and every operation's messages). */
  readonly framesSent: number
  /** Frames this side received from the peer. */
  readonly framesReceived: number
  /** Bytes of those frames this side sent, as encoded (before the transport's chunking). */
  readonly bytesSent: number
  /** Bytes of those frames this side received, as encoded. */
  readonly bytesReceived: number
  /**
   * Operations (and locks, channels) whose key is open on this side, plus settled one-shot calls
   * still waiting for the peer's answer to pass (their key is already free again).
   */
  readonly openOperations: number
  /**
   * Messages the peer sent for operations this side has not started yet; an operation the peer
   * cancelled before this side started it counts as one until this side calls it.
   */
  readonly heldMessages: number
  /**
   * Bytes of the memory budget (`maxHeldBytes`) in use now: what the peer makes this side hold,
   * as estimated when charged.
   */
  readonly heldBytes: number
}

/** Where a session stands: `suspended` (with the `resume` option) between a drop and a resume. */
export type SessionState = 'open' | 'suspended' | 'closed'
