import { ClockFilter, implausibleSample, sampleRtt } from './clock-math.js'
import type { Now } from './local-clock.js'
import { RecentDelay } from './recent-delay.js'
import { NO_ESTIMATE, type ClockEstimate } from './clock-estimate.js'
import { peerSent } from '../base/errors.js'
import { noop } from '../base/noop.js'
import { unrefTimer } from '../base/unref-timer.js'

export type { ClockEstimate } from './clock-estimate.js'

/**
 * Assumed worst-case drift between the two clocks: NTP's PHI (15 ppm). Without it, a sample from
 * a minute ago would keep an `rtt / 2` bound although two crystals may have drifted ~1 ms apart
 * since; with it, the filter trades an old low-RTT sample for a fresh one once that is better.
 */
const DRIFT_RATE = 15e-6
/**
 * Probes per heartbeat, back to back: a probe after an idle path is biased (research/clock-
 * measured.md), and the path warms up over the first two. Measured over node-datachannel after
 * 1 s idle on an idle machine, median bias (RTT): 1st probe 1.8 ms (5.2), 2nd 0.032 ms (0.43),
 * 3rd to 6th ≤ 0.01 ms (0.35–0.46). With three, the min-RTT filter has a warm one to pick. Every
 * {@link BURST_EVERY}th beat sends more.
 *
 * The two sides' probes must not cross: measured over node-datachannel, a follower bursting while
 * the leader bursts too was off by a median 0.011 ms, alone by 0.004 ms. Only the follower's
 * estimate places the shared timeline, so the leader gives way: its opening burst waits for the
 * follower's, and its heartbeat probes go half a beat later.
 */
const HEARTBEAT_BURST = 3
const BURST_EVERY = 10
const LONG_HEARTBEAT_BURST = 6
/** Unanswered pings remembered; older ones are forgotten (their pongs are then ignored). */
const MAX_OUTSTANDING = 64
/** Leader: stop waiting for the follower's opening burst after this long without one of its pings. */
const PEER_BURST_IDLE_MS = 250

type SendPing = (id: number, t0: number) => Promise<void>

/**
 * Sends clock probes and turns pongs into an estimate. Probes go back to back in bursts (each sent
 * as soon as the previous one is answered) because a probe after an idle gap is biased (see
 * {@link HEARTBEAT_BURST}); the {@link ClockFilter} keeps the best one of a recent window.
 */
export class ClockTracker {
  #filter = new ClockFilter({ driftRate: DRIFT_RATE })
  #estimate: ClockEstimate = NO_ESTIMATE
  #nextId = 0
  #outstanding = new Map<number, number>()
  #burstLeft = 0
  /** The probe whose pong sends the burst's next one. */
  #awaiting: number | undefined
  /** Heartbeats seen while {@link ClockTracker.#awaiting} was unanswered. */
  #stalledBeats = 0
  #burstDone: (() => void) | undefined
  #send: SendPing | undefined
  #beats = 0
  #peerPings = 0
  /** Leader: the size of an opening burst waiting for the follower's to end. */
  #deferredBurst: number | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = false
  #recentDelay: RecentDelay

  constructor(
    private readonly now: Now,
    private readonly heartbeatMs: number,
  ) {
    this.#recentDelay = new RecentDelay(heartbeatMs)
  }

  /** The current estimate; its `errorBoundMs` includes the drift allowance up to this moment. */
  get estimate(): ClockEstimate {
    const live = this.#filter.estimate(this.now())
    const recentDelay = this.#recentDelay.ms
    if (live === undefined) return { ...NO_ESTIMATE, recentDelayMs: recentDelay }
    return { ...this.#estimate, errorBoundMs: live.errorBoundMs, recentDelayMs: recentDelay }
  }

  /** `estimate.errorBoundMs` without building the estimate: a lock asks for it per message. */
  get errorBoundMs(): number {
    return this.#filter.estimate(this.now())?.errorBoundMs ?? Infinity
  }

  /** The estimated offset alone (peer − local, ms; 0 before the first sample): cheap enough for spin loops. */
  get offset(): number {
    return this.#estimate.offsetMs
  }

  /**
   * The opening burst: `count` probes back to back; resolves when done, when abandoned, or when
   * `closed` settles. On the leader it starts once the follower's burst (assumed to be as long)
   * has been answered, or after {@link PEER_BURST_IDLE_MS} without a ping from it.
   */
  burst(send: SendPing, count: number, closed: Promise<unknown>, isLeader: boolean): Promise<void> {
    if (count <= 0) return Promise.resolve()
    const done = new Promise<void>((resolve) => {
      this.#burstDone = resolve
    })
    this.#begin(send, count, isLeader)
    return Promise.race([done, closed.then(noop)])
  }

  /**
   * After a resume the path may differ: the recent delays start over and a new burst measures it,
   * as at open (nobody waits for it). The filter keeps its samples: the offset they measured is
   * the clocks', not the path's, and dropping them would leave no error bound until an answer.
   */
  restart(send: SendPing, count: number, isLeader: boolean): void {
    this.#recentDelay = new RecentDelay(this.heartbeatMs)
    this.#outstanding.clear() // probes sent on the old channel are never answered
    this.#finishBurst() // a burst cut short by the drop is over
    this.#peerPings = 0
    if (count > 0) this.#begin(send, count, isLeader)
  }

  /** The link dropped: the running or awaited burst ends (its waiter resolves); the estimate stays. */
  interrupt(): void {
    this.#deferredBurst = undefined
    clearTimeout(this.#timer) // a pending half beat too: the next beat arms another
    this.#timer = undefined
    this.#finishBurst()
  }

  #begin(send: SendPing, count: number, isLeader: boolean): void {
    this.#send = send
    if (isLeader) {
      this.#deferredBurst = count
      this.#awaitPeerBurst()
    } else {
      this.#startBurst(count)
    }
  }

  /** The peer sent a ping (answered elsewhere): on a waiting leader, part of the follower's burst. */
  onPeerPing(): void {
    this.#peerPings++
    if (this.#deferredBurst !== undefined) this.#awaitPeerBurst()
  }

  /** One heartbeat: a short burst, unless one is still running; on the leader half a beat later. */
  heartbeat(send: SendPing, isLeader: boolean): void {
    this.#recentDelay.addBeat(this.now())
    this.#send = send
    const beat = ++this.#beats
    if (!isLeader) return this.#beat(beat)
    if (this.#timer === undefined) this.#arm(this.heartbeatMs / 2, () => this.#beat(beat))
  }

  /** Stops every timer; called when the session closes. */
  stop(): void {
    this.#stopped = true
    this.#deferredBurst = undefined
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /**
   * Feeds a pong; returns its RTT and whether the estimate changed, or undefined for a stray pong.
   * Throws NetError `protocol` for stamps no real clock can produce (see implausibleSample).
   */
  onPong(pong: { id: number; t0: number; t1: number; t2: number }, t3: number): { lastRtt: number; changed: boolean } | undefined {
    const t0 = this.#outstanding.get(pong.id)
    // Only our own t0 is trusted: a pong must answer a ping this side sent.
    if (t0 === undefined || t0 !== pong.t0) return undefined
    this.#outstanding.delete(pong.id)
    const sample = { t0, t1: pong.t1, t2: pong.t2, t3 }
    const implausible = implausibleSample(sample)
    if (implausible !== undefined) throw peerSent(implausible)
    this.#recentDelay.addRtt(sampleRtt(sample))
    const before = this.#estimate
    if (this.#filter.add(sample)) this.#estimate = this.#snapshot()
    if (pong.id === this.#awaiting) {
      if (this.#burstLeft > 0) this.#ping()
      else this.#finishBurst()
    }
    const changed = before.offsetMs !== this.#estimate.offsetMs || before.rttMs !== this.#estimate.rttMs
    return { lastRtt: sampleRtt(sample), changed }
  }

  #awaitPeerBurst(): void {
    const count = this.#deferredBurst
    if (count === undefined) return
    if (this.#peerPings < count) return this.#arm(PEER_BURST_IDLE_MS, () => this.#runDeferredBurst())
    this.#runDeferredBurst()
  }

  #runDeferredBurst(): void {
    const count = this.#deferredBurst
    this.#deferredBurst = undefined
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (count !== undefined) this.#startBurst(count)
  }

  #beat(beat: number): void {
    if (this.#awaiting !== undefined) {
      // A peer may skip a pong (its send buffer is full); without this, one lost pong would stall
      // every later probe. A probe unanswered for a whole beat is given up.
      if (++this.#stalledBeats < 2) return
      this.#finishBurst()
    }
    this.#startBurst(beat % BURST_EVERY === 0 ? LONG_HEARTBEAT_BURST : HEARTBEAT_BURST)
  }

  /** Runs `fn` after `ms` unless stopped (one timer: the wait for the follower's burst, or a half beat). */
  #arm(ms: number, fn: () => void): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (!this.#stopped) fn()
    }, ms)
    unrefTimer(this.#timer)
  }

  #startBurst(count: number): void {
    if (this.#stopped) return
    this.#burstLeft = count
    this.#ping()
  }

  #finishBurst(): void {
    this.#burstLeft = 0
    this.#awaiting = undefined
    const done = this.#burstDone
    this.#burstDone = undefined
    done?.()
  }

  #ping(): void {
    const send = this.#send
    if (send === undefined || this.#burstLeft <= 0) return
    this.#burstLeft--
    const id = this.#nextId++
    const t0 = this.now()
    this.#outstanding.set(id, t0)
    this.#awaiting = id
    this.#stalledBeats = 0
    if (this.#outstanding.size > MAX_OUTSTANDING) {
      const oldest = this.#outstanding.keys().next().value
      if (oldest !== undefined) this.#outstanding.delete(oldest)
    }
    send(id, t0).catch(noop)
  }

  #snapshot(): ClockEstimate {
    const e = this.#filter.estimate()
    if (e === undefined) return NO_ESTIMATE
    return { offsetMs: e.offsetMs, rttMs: e.rttMs, errorBoundMs: e.errorBoundMs, samples: e.samples, recentDelayMs: this.#recentDelay.ms }
  }
}
