import { NetError } from '../../base/errors.js'
import { deferred, type Deferred } from '../../base/deferred.js'
import type { MemoryBudget } from '../../base/memory-budget.js'

/** One value from the peer, with its measure and whether its sender ran out of byte credit. */
export interface Received {
  readonly value: unknown
  readonly weight: number
  readonly wait: boolean
  /** Its estimated heap size, charged to the session's memory budget while it waits unread. */
  readonly cost: number
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true }

/**
 * The receiving half of a channel endpoint: values waiting for the reader, the one reader and
 * its pending `next()`. It knows nothing of credit; it reports every value the reader takes.
 */
export class ChannelInbox<T> {
  readonly #items: Received[] = []
  #bytes = 0
  #reader: Deferred<IteratorResult<T, undefined>> | undefined
  /** A reader is active: it has not seen the end, an error or `return()` yet. */
  #iterating = false
  #readers = 0
  #ended = false
  #abandoned = false
  #failure: NetError | undefined

  constructor(
    /** What the reader reads, for errors: `channel "moves"`. */
    private readonly name: string,
    /** The reader took `item` (for credit). */
    private readonly onTaken: (item: Received) => void,
    /** The reader left early (`return()`). */
    private readonly onAbandon: () => void,
    private readonly budget: MemoryBudget,
  ) {}

  get messages(): number {
    return this.#items.length
  }

  get bytes(): number {
    return this.#bytes
  }

  /** True once the reader gave up: arriving values are dropped. */
  get abandoned(): boolean {
    return this.#abandoned
  }

  iterator(): AsyncIterator<T, undefined> {
    if (this.#iterating) throw new NetError('usage', `${this.name} already has a reader; iterate it once at a time`)
    this.#iterating = true
    const reader = ++this.#readers
    return {
      // A finished iterator stays finished, even while a later one reads the channel.
      next: () => (reader === this.#readers ? this.#next() : Promise.resolve(DONE)),
      return: () => {
        if (reader === this.#readers && this.#iterating) this.onAbandon()
        return Promise.resolve(DONE)
      },
    }
  }

  /** A value arrived: straight to a waiting reader, else into the buffer. */
  deliver(item: Received): void {
    if (this.#abandoned) return
    const reader = this.#reader
    if (reader === undefined) {
      this.budget.charge(item.cost, `unread values on ${this.name}`)
      this.#items.push(item)
      this.#bytes += item.weight
      return
    }
    this.#reader = undefined
    this.onTaken(item)
    reader.resolve({ value: item.value as T, done: false })
  }

  /** The peer's end arrived: the reader finishes once the buffer is empty. */
  end(): void {
    this.#ended = true
    this.#settle(DONE)
  }

  /** The reader gave up: drop the buffer and everything that still arrives. */
  abandon(): void {
    this.#abandoned = true
    this.#iterating = false
    this.#releaseAll()
    this.#bytes = 0
    this.#settle(DONE)
  }

  /**
   * The session closed: a stream that had ended stays readable, anything else is cut short. With
   * `afterBuffered` (the sender's own failure, in order after its values) the reader takes what is
   * buffered first.
   */
  fail(reason: NetError, afterBuffered = false): void {
    this.#failure = reason
    if (!this.#ended && !afterBuffered) {
      this.#releaseAll()
      this.#bytes = 0
    }
    const reader = this.#reader
    this.#reader = undefined
    if (reader === undefined) return
    this.#iterating = false
    reader.reject(reason)
  }

  #next(): Promise<IteratorResult<T, undefined>> {
    const item = this.#items.shift()
    if (item !== undefined) {
      this.budget.release(item.cost)
      this.#bytes -= item.weight
      this.onTaken(item)
      return Promise.resolve({ value: item.value as T, done: false })
    }
    if (this.#ended || this.#abandoned || this.#failure !== undefined) this.#iterating = false
    if (this.#ended || this.#abandoned) return Promise.resolve(DONE)
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#reader !== undefined) return Promise.reject(new NetError('usage', 'next() called while another next() is pending'))
    this.#reader = deferred()
    return this.#reader.promise
  }

  #releaseAll(): void {
    for (const item of this.#items) this.budget.release(item.cost)
    this.#items.length = 0
  }

  #settle(result: IteratorReturnResult<undefined>): void {
    const reader = this.#reader
    this.#reader = undefined
    if (reader === undefined) return
    this.#iterating = false
    reader.resolve(result)
  }
}
