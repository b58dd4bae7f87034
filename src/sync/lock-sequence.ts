import { NetError } from '../errors.js'
import type { LockMessage } from './lock-wire.js'

type Clocked = Exclude<LockMessage, { type: 'hello' | 'broken' }>

/**
 * The Lamport clock of one side of a lock, and the checks that the peer's messages come in an
 * order the protocol allows: hello first, its clock never going back, request ids only growing,
 * leases only growing, and requests reaching the side without the token only in the one window
 * where that is legitimate.
 */
export class LockSequence {
  /** This side's Lamport clock: past every timestamp seen, and moved on by each local request. */
  clock = 0
  #lastId = 0
  #peerClock = 0
  #maxPeerId = 0
  #leasedUpTo = 0
  #helloSeen = false
  #peerMayBeStale = false

  constructor(private readonly key: string) {}

  /** The id of a new request of this side; its timestamp is `clock` afterwards. */
  nextRequest(): number {
    ++this.clock
    return ++this.#lastId
  }

  hello(): void {
    if (this.#helloSeen) throw this.#bad('a second hello')
    this.#helloSeen = true
  }

  /** Checks any message after the hello, and moves our clock past the peer's. */
  receive(m: Clocked): void {
    if (!this.#helloSeen) throw this.#bad(`a ${m.type} before its hello`)
    if (m.clock < this.#peerClock || (m.type === 'request' && m.clock === this.#peerClock)) {
      throw this.#bad(`a ${m.type} whose clock went back (${m.clock} after ${this.#peerClock})`)
    }
    this.#peerClock = m.clock
    this.clock = Math.max(this.clock, m.clock)
  }

  /**
   * Checks a request or cancel; false means drop it: it reached us after our token left, so the
   * peer (the holder now) serves it itself.
   */
  fromPeer(m: Extract<Clocked, { type: 'request' | 'cancel' }>, holdsToken: boolean): boolean {
    if (m.type === 'request') {
      if (m.id <= this.#maxPeerId) throw this.#bad(`request id ${m.id} again`)
      this.#maxPeerId = m.id
    }
    if (holdsToken) return true
    if (this.#peerMayBeStale) return false
    throw this.#bad(`a ${m.type} to the side without the token`)
  }

  /** A cancel for a request no longer queued: harmless if it crossed its grant, an error if never made. */
  staleCancel(id: number): void {
    if (id > this.#maxPeerId) throw this.#bad(`a cancel of request ${id}, which it never made`)
  }

  tokenSent(): void {
    this.#peerMayBeStale = true
  }

  /** The token arrived for our request `id`, with the peer's waiting requests. */
  tokenReceived(id: number, lastQueuedId: number): void {
    if (id > this.#lastId) throw this.#bad(`the token for request ${id}, which this side never made`)
    this.#maxPeerId = Math.max(this.#maxPeerId, lastQueuedId)
    this.#peerMayBeStale = false
  }

  /** A lease arrived for our requests up to `upTo`. */
  leaseReceived(upTo: number): void {
    if (upTo > this.#lastId || upTo <= this.#leasedUpTo) throw this.#bad(`a lease up to request ${upTo}, which does not fit`)
    this.#leasedUpTo = upTo
    this.#peerMayBeStale = false
  }

  /** A recall: the peer holds the token and has said so since it got it. */
  recallReceived(): void {
    this.#peerMayBeStale = false
  }

  #bad(what: string): NetError {
    return new NetError('protocol', `peer sent lock "${this.key}" ${what}`)
  }
}
