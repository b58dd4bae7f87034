import type { EventEmitter } from 'eventemitter3'
import { emitSafely } from '../base/emit-safely.js'
import { noop } from '../base/noop.js'
import { ClockTracker, type ClockEstimate } from '../clock/clock-tracker.js'
import type { SessionEvents } from './session-events.js'
import type { SessionFrame } from './wire.js'

/** A ping flood from a peer that does not read must not queue unbounded pongs: see onPing. */
const PONG_SKIP_BYTES = 1024 * 1024

type Ping = Extract<SessionFrame, { type: 'ping' }>
type Pong = Extract<SessionFrame, { type: 'pong' }>

/** What the session's clock needs from the session. */
export interface SessionClockHost {
  readonly now: () => number
  readonly heartbeatMs: number
  readonly clockBurst: number
  readonly closed: Promise<unknown>
  readonly events: EventEmitter<SessionEvents>
  isLeader(): boolean
  /** The channel's send backlog, in bytes. */
  backlog(): number
  send(frame: Ping | Pong): Promise<void>
}

/** The session's clock probes: pings out, pongs in, the estimate and its events. */
export class SessionClock {
  readonly tracker: ClockTracker
  readonly #ping = (id: number, t0: number): Promise<void> => this.host.send({ type: 'ping', id, t0 })

  constructor(private readonly host: SessionClockHost) {
    this.tracker = new ClockTracker(host.now, host.heartbeatMs)
  }

  get estimate(): ClockEstimate {
    return this.tracker.estimate
  }

  /** The opening burst (see ClockTracker.burst). */
  burst(): Promise<void> {
    return this.tracker.burst(this.#ping, this.host.clockBurst, this.host.closed, this.host.isLeader())
  }

  /** After a resume: the path may have changed, so its delays are measured afresh. */
  restart(): void {
    this.tracker.restart(this.#ping, this.host.clockBurst, this.host.isLeader())
  }

  /** The link dropped: a burst in progress ends (an opening burst too, so `Session.open` goes on). */
  interrupt(): void {
    this.tracker.interrupt()
  }

  heartbeat(): void {
    this.tracker.heartbeat(this.#ping, this.host.isLeader())
  }

  /** Answers a ping; a pong is optional, so it is skipped while the send buffer is backed up. */
  onPing(frame: Ping): void {
    if (this.host.backlog() > PONG_SKIP_BYTES) return
    const t1 = this.host.now()
    void this.host.send({ type: 'pong', id: frame.id, t0: frame.t0, t1, t2: this.host.now() }).catch(noop)
    this.tracker.onPeerPing()
  }

  onPong(frame: Pong): void {
    const estimate = this.tracker.onPong(frame, this.host.now())
    if (estimate === undefined) return
    emitSafely(this.host.events, 'rtt', estimate.lastRtt)
    if (estimate.changed) emitSafely(this.host.events, 'clock', this.tracker.estimate)
  }

  stop(): void {
    this.tracker.stop()
  }
}
