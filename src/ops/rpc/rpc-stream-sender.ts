import { isNetError, type NetError } from '../../base/errors.js'
import { deferred, type Deferred } from '../../base/deferred.js'
import { SendCredit } from '../../core/flow/credit.js'
import { measureValue } from '../../core/flow/measure.js'

/**
 * How many bytes of items may wait for the transport before the handler is asked for the next
 * one (as a channel's outbox allows): items are pipelined, but a slow transport holds the handler.
 */
const MAX_IN_PORT_BYTES = 256 * 1024

/** The most items, and bytes, a caller's window may ask for: a larger window is clipped to it. */
export const MAX_STREAM_WINDOW = 65_536
export const MAX_STREAM_WINDOW_BYTES = 256 * 1024 * 1024

/**
 * Feeds one streamed result to the caller: the handler's iterator is asked for its next item
 * only while the caller has credit for it and the transport keeps up, so the handler never runs
 * ahead of the caller's reading by more than the caller's window.
 */
export class StreamSender {
  readonly #credit = new SendCredit()
  #inPortBytes = 0
  #inPortCount = 0
  #wake: Deferred<void> | undefined
  #stopped = false
  #sendFailure: NetError | undefined

  constructor(
    window: number,
    windowBytes: number,
    private readonly send: (value: unknown, wait: boolean) => Promise<void>,
  ) {
    this.#credit.open(Math.min(window, MAX_STREAM_WINDOW), Math.min(windowBytes, MAX_STREAM_WINDOW_BYTES))
  }

  /** The caller read `n` more items; throws NetError `protocol` if it never got that many. */
  grant(n: number): void {
    this.#credit.grant(n)
    this.#wakeUp()
  }

  /** Nothing more is sent: the caller gave up or the session closed. */
  stop(): void {
    this.#stopped = true
    this.#wakeUp()
  }

  /**
   * Sends every item of `source`; resolves true when it ended, false when stopped first, and
   * throws what the iterator threw or an item that could not be encoded (NetError `usage`).
   * The iterator is returned (its `finally` runs) unless it ended or threw by itself.
   */
  async run(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<boolean> {
    const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
    let finished = false
    try {
      for (;;) {
        while (!this.#stopped && !this.#mayPull()) await (this.#wake = deferred()).promise
        if (this.#stopped) return false
        const next = await iterator.next()
        if (next.done === true) {
          finished = true
          // An item the codec refused fails the stream rather than leave a silent gap before `end`.
          while (this.#inPortCount > 0 && !this.#stopped) await (this.#wake = deferred()).promise
          if (this.#sendFailure !== undefined) throw this.#sendFailure
          return !this.#stopped
        }
        if (this.#stopped) return false
        this.#hand(next.value)
      }
    } catch (err) {
      finished = !isNetError(err, 'usage')
      throw err
    } finally {
      if (!finished) await iterator.return?.()
    }
  }

  #mayPull(): boolean {
    if (this.#sendFailure !== undefined) throw this.#sendFailure
    return this.#credit.available && (this.#inPortCount === 0 || this.#inPortBytes < MAX_IN_PORT_BYTES)
  }

  #hand(value: unknown): void {
    const weight = measureValue(value)
    const spent = this.#credit.spend(weight)
    this.#inPortBytes += weight
    this.#inPortCount++
    this.send(value, spent.wait).then(
      () => this.#leftPort(weight),
      (err: unknown) => {
        if (isNetError(err, 'usage')) this.#sendFailure ??= err
        this.#leftPort(weight)
      },
    )
  }

  #leftPort(weight: number): void {
    this.#inPortBytes -= weight
    this.#inPortCount--
    this.#wakeUp()
  }

  #wakeUp(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.resolve()
  }
}
