import { peerSent } from '../../base/errors.js'
import type { MemoryBudget } from '../../base/memory-budget.js'

/** How far above the contiguous prefix a peer's sequence number may be: more is `protocol`. */
export const MAX_SEQ_AHEAD = 2 ** 20

/** What remembering one frame that arrived ahead of its turn costs, charged to the memory budget. */
const AHEAD_ENTRY_BYTES = 16

/**
 * Which of the peer's sequenced frames arrived: every one up to {@link ReceiveWindow.received},
 * plus those above it that overtook a large chunked frame in another lane. A frame seen before
 * (a retransmission after resume) is a duplicate and is dropped by the caller.
 */
export class ReceiveWindow {
  #received = 0
  readonly #ahead = new Set<number>()

  constructor(private readonly budget: MemoryBudget) {}

  /** The cumulative ack: every sequenced frame 1..received arrived. */
  get received(): number {
    return this.#received
  }

  /** Frames remembered above the prefix. */
  get aheadCount(): number {
    return this.#ahead.size
  }

  /**
   * Records frame `seq`; returns false for a duplicate. Throws NetError `protocol` for a frame
   * too far ahead, or past the memory budget.
   */
  accept(seq: number): boolean {
    if (seq <= this.#received || this.#ahead.has(seq)) return false
    if (seq > this.#received + MAX_SEQ_AHEAD) {
      throw peerSent(`frame ${seq} while frame ${this.#received + 1} has not arrived (at most ${MAX_SEQ_AHEAD} ahead)`)
    }
    if (seq !== this.#received + 1) {
      this.budget.charge(AHEAD_ENTRY_BYTES, 'frames ahead of their sequence')
      this.#ahead.add(seq)
      return true
    }
    this.#received = seq
    while (this.#ahead.delete(this.#received + 1)) {
      this.#received++
      this.budget.release(AHEAD_ENTRY_BYTES)
    }
    return true
  }
}
