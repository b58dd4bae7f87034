import { ClockFilter, sampleRtt, type ClockEstimate as FilterEstimate } from '../time/clock-math.js'
import type { Now } from '../time/local-clock.js'

/** The session's view of the peer's clock. */
export interface ClockEstimate {
  /** Peer clock minus local clock, in ms. */
  readonly offset: number
  /** Round-trip time of the sample the offset comes from, in ms. */
  readonly rtt: number
  /** The true offset lies within `offset ± errorBound` ms. */
  readonly errorBound: number
  /** How many samples the estimate draws on. */
  readonly samples: number
}

const NO_ESTIMATE: ClockEstimate = { offset: 0, rtt: Infinity, errorBound: Infinity, samples: 0 }

/** Every this many heartbeats, a short back-to-back burst refreshes the estimate. */
const BURST_EVERY = 10
const HEARTBEAT_BURST = 4
/** Unanswered pings remembered; older ones are forgotten (their pongs are then ignored). */
const MAX_OUTSTANDING = 64

type SendPing = (id: number, t0: number) => Promise<void>

/**
 * Sends clock probes and turns pongs into an estimate. Probes go back to back in bursts because a
 * probe after an idle gap carries a ~0.1 ms bias (its first leg is slower; see
 * research/clock-measured.md), which the min-RTT filter then avoids.
 */
export class ClockTracker {
  #filter = new ClockFilter()
  #estimate: ClockEstimate = NO_ESTIMATE
  #nextId = 0
  #outstanding = new Map<number, number>()
  #burstLeft = 0
  #burstDone: (() => void) | undefined
  #send: SendPing | undefined
  #beats = 0

  constructor(private readonly now: Now) {}

  get estimate(): ClockEstimate {
    return this.#estimate
  }

  /** Sends `count` probes, each as soon as the previous one is answered; resolves when done or `closed` settles. */
  burst(send: SendPing, count: number, closed: Promise<unknown>): Promise<void> {
    if (count <= 0) return Promise.resolve()
    this.#send = send
    this.#burstLeft = count
    const done = new Promise<void>((resolve) => {
      this.#burstDone = resolve
    })
    this.#ping()
    return Promise.race([done, closed.then(() => {})])
  }

  /** One heartbeat: a single probe, or a short burst every {@link BURST_EVERY} beats. */
  heartbeat(send: SendPing): void {
    this.#send = send
    this.#beats++
    if (this.#burstLeft > 0) return
    this.#burstLeft = this.#beats % BURST_EVERY === 0 ? HEARTBEAT_BURST : 1
    this.#ping()
  }

  /** Feeds a pong; returns its RTT and whether the estimate changed, or undefined for a stray pong. */
  onPong(pong: { id: number; t0: number; t1: number; t2: number }, t3: number): { lastRtt: number; changed: boolean } | undefined {
    const t0 = this.#outstanding.get(pong.id)
    // Only our own t0 is trusted: a pong must answer a ping this side sent.
    if (t0 === undefined || t0 !== pong.t0) return undefined
    this.#outstanding.delete(pong.id)
    const sample = { t0, t1: pong.t1, t2: pong.t2, t3 }
    const before = this.#estimate
    if (this.#filter.add(sample)) this.#estimate = toEstimate(this.#filter.estimate())
    if (this.#burstLeft > 0) this.#ping()
    else this.#burstDone?.()
    const changed = before.offset !== this.#estimate.offset || before.errorBound !== this.#estimate.errorBound
    return { lastRtt: sampleRtt(sample), changed }
  }

  #ping(): void {
    const send = this.#send
    if (send === undefined || this.#burstLeft <= 0) return
    this.#burstLeft--
    const id = this.#nextId++
    const t0 = this.now()
    this.#outstanding.set(id, t0)
    if (this.#outstanding.size > MAX_OUTSTANDING) {
      const oldest = this.#outstanding.keys().next().value
      if (oldest !== undefined) this.#outstanding.delete(oldest)
    }
    send(id, t0).catch(() => {})
  }
}

function toEstimate(estimate: FilterEstimate | undefined): ClockEstimate {
  if (estimate === undefined) return NO_ESTIMATE
  return { offset: estimate.offset, rtt: estimate.rtt, errorBound: estimate.errorBound, samples: estimate.samples }
}
