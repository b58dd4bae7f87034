// The session's clock estimate as the demo shows it: the one place that reads `session.clock`.
import type { Session } from 'netbeam'

export interface ClockView {
  /** Best measured round-trip time. */
  rttMs: number
  /** The peer's clock minus this side's. */
  offsetMs: number
  /** How far the offset may be off (± ms). */
  errorBoundMs: number
}

export function clockOf(session: Session): ClockView {
  const { rtt, offset, errorBound } = session.clock
  return { rttMs: rtt, offsetMs: offset, errorBoundMs: errorBound }
}
