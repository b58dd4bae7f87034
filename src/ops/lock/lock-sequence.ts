import { peerSent } from '../../base/errors.js'
import type { LockMessage } from './lock-wire.js'

type Clocked = Exclude<LockMessage, { type: 'hello' | 'broken' | 'close' }>

/**
 * How far ahead of this side's shared timeline a peer's clock may be, in µs. A correct peer is
 * ahead by at most both sides' clock errors (a round trip at worst); a minute leaves room for any
 * real link while keeping a hostile peer from dragging this side's clock far from real time.
 * Checked only while this side knows the shared time (see {@link LockSequence.receive}).
 */
export const MAX_PEER_LEAD_US = 60_000_000

/**
 * The hybrid logical clock of one side of a lock, and the checks that the peer's messages come in
 * an order the protocol allows: hello first, its clock never going back nor running ahead of ours
 * by more than {@link MAX_PEER_LEAD_US}, request ids only growing, leases only growing, and
 * requests reaching the side without the token only in the one window where that is legitimate.
 *
 * The clock counts whole µs of the shared timeline (`port.now()`, the leader's clock as well as
 * this side can tell). A request is stamped with the shared time, or one µs past the last stamp
 * this side made or saw if that is later (the Lamport part): so a request made after this side
 * learned of another is stamped after it, and requests made further apart in real time than the
 * clock's error bound are stamped in real-time order, whichever side made them.
 *
 * Before the follower has a clock estimate (a session opened with `clockBurst: 0`), its own clock
 * may be any distance from the leader's, minutes even: it then stamps with the Lamport part alone
 * and takes the leader's stamps unchecked. There is no error bound to keep yet, and a stamp from
 * its own clock could run far ahead of (or behind) everything the leader stamps.
 */
export class LockSequence {
  /** This side's clock in µs: past every stamp made or seen, and never behind the shared time of its last request. */
  clock = 0
  #lastId = 0
  #peerClock = 0
  #maxPeerId = 0
  #leasedUpTo = 0
  #helloSeen = false
  #peerMayBeStale = false

  constructor(private readonly key: string) {}

  /**
   * The id of a new request of this side, made at `nowMs` on the shared timeline (undefined: not
   * known here yet); its stamp is `clock` afterwards.
   */
  nextRequest(nowMs: number | undefined): number {
    this.clock = Math.max(this.clock + 1, nowMs === undefined ? 0 : micros(nowMs))
    return ++this.#lastId
  }

  hello(): void {
    if (this.#helloSeen) throw peerSent(`lock "${this.key}" a second hello`)
    this.#helloSeen = true
  }

  /**
   * Checks any message after the hello, and moves our clock up to the peer's. `nowMs` (the shared
   * time, undefined while this side cannot tell it) is asked only when the peer's clock is ahead of
   * ours.
   */
  receive(m: Clocked, nowMs: () => number | undefined): void {
    if (!this.#helloSeen) throw peerSent(`lock "${this.key}" a ${m.type} before its hello`)
    if (m.clock < this.#peerClock || (m.type === 'request' && m.clock === this.#peerClock)) {
      throw peerSent(`lock "${this.key}" a ${m.type} whose clock went back (${m.clock} after ${this.#peerClock})`)
    }
    if (m.clock > this.clock) {
      const now = nowMs()
      if (now !== undefined && m.clock - micros(now) > MAX_PEER_LEAD_US) {
        throw peerSent(`lock "${this.key}" a ${m.type} whose clock runs more than a minute ahead of ours`)
      }
      this.clock = m.clock
    }
    this.#peerClock = m.clock
  }

  /**
   * Checks a request or cancel; false means drop it: it reached us after our token left, so the
   * peer (the holder now) serves it itself.
   */
  fromPeer(m: Extract<Clocked, { type: 'request' | 'cancel' }>, holdsToken: boolean): boolean {
    if (m.type === 'request') {
      if (m.id <= this.#maxPeerId) throw peerSent(`lock "${this.key}" request id ${m.id} again`)
      this.#maxPeerId = m.id
    }
    if (holdsToken) return true
    if (this.#peerMayBeStale) return false
    throw peerSent(`lock "${this.key}" a ${m.type} to the side without the token`)
  }

  /** A cancel for a request no longer queued: harmless if it crossed its grant, an error if never made. */
  staleCancel(id: number): void {
    if (id > this.#maxPeerId) throw peerSent(`lock "${this.key}" a cancel of request ${id}, which it never made`)
  }

  tokenSent(): void {
    this.#peerMayBeStale = true
  }

  /** The token arrived for our request `id`, with the peer's waiting requests. */
  tokenReceived(id: number, lastQueuedId: number): void {
    if (id > this.#lastId) throw peerSent(`lock "${this.key}" the token for request ${id}, which this side never made`)
    this.#maxPeerId = Math.max(this.#maxPeerId, lastQueuedId)
    this.#peerMayBeStale = false
  }

  /** A lease arrived for our requests up to `upTo`. */
  leaseReceived(upTo: number): void {
    if (upTo > this.#lastId || upTo <= this.#leasedUpTo) throw peerSent(`lock "${this.key}" a lease up to request ${upTo}, which does not fit`)
    this.#leasedUpTo = upTo
    this.#peerMayBeStale = false
  }

  /** A recall: the peer holds the token and has said so since it got it. */
  recallReceived(): void {
    this.#peerMayBeStale = false
  }

}

/**
 * `ms` in whole µs. A local clock that gives no usable number (an injected one gone wrong) counts
 * as 0, which leaves a plain Lamport clock rather than a broken one.
 */
function micros(ms: number): number {
  const us = Math.floor(ms * 1000)
  return Number.isSafeInteger(us) && us > 0 ? us : 0
}
