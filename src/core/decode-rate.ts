import { peerSent } from '../base/errors.js'

/**
 * A token bucket of decoded data items: it holds up to one second's worth (`perSecond`, and at
 * least one whole frame's `maxItems`) and refills at `perSecond`. Each frame takes its item
 * count; a frame the bucket cannot pay for is a protocol error. Together with the per-frame
 * limit this bounds both how long one frame blocks the event loop and the share of the loop a
 * stream of frames takes.
 */
export class DecodeRate {
  readonly #capacity: number
  #tokens: number
  #at: number

  constructor(
    private readonly perSecond: number,
    maxItems: number,
    /** A monotonic clock in ms; the decode budget must not follow an injected session clock. */
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.#capacity = Math.max(perSecond, maxItems)
    this.#tokens = this.#capacity
    this.#at = clock()
  }

  /** Takes `items` from the bucket; throws NetError `protocol` if it holds fewer. */
  take(items: number): void {
    const now = this.clock()
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#at) * this.perSecond) / 1000)
    this.#at = now
    if (items > this.#tokens) {
      throw peerSent(`more than ${this.perSecond} data items per second (the decoding budget maxItemsPerSecond)`)
    }
    this.#tokens -= items
  }
}
