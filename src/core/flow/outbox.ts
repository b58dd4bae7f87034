import { abortError, isNetError, type NetError } from '../../base/errors.js'
import { onAbort } from '../../base/abort.js'
import { deferred, type Deferred } from '../../base/deferred.js'
import { noop } from '../../base/noop.js'
import type { SendCredit } from './credit.js'

interface PendingSend {
  readonly value: unknown
  readonly weight: number
  readonly done: Deferred<void>
  stopAbort: () => void
}

/**
 * How many bytes of data may be with the port (waiting for the transport) before further sends
 * wait here. Everything this side sends shares one lane, so a credit for the peer queues behind
 * this much at most; one message always goes, however large.
 */
const MAX_IN_PORT_BYTES = 256 * 1024

/** What the outbox needs from its channel. */
export interface OutboxHost {
  /** Hands one data message to the port; resolves once the transport took it. */
  sendData(value: unknown, wait: boolean): Promise<void>
  /** The session's reason, once it closed before the channel did. */
  readonly failure: NetError | undefined
  /** A value left the port: more may go now. */
  onRoom(): void
}

/**
 * A channel's data on its way out: values go to the port while the peer has credit for them and
 * the port is not backed up; the rest wait here, in order, each abortable by its signal.
 */
export class ChannelOutbox {
  readonly #waiting: PendingSend[] = []
  /**
   * Data handed to the port and not yet taken by the transport. Messages are pipelined: the
   * session sends every message of this key in one lane, so they arrive in the order sent.
   */
  #inPortBytes = 0
  #inPortCount = 0

  constructor(
    private readonly credit: SendCredit,
    private readonly host: OutboxHost,
  ) {}

  get isEmpty(): boolean {
    return this.#waiting.length === 0
  }

  /** Sends `value` now if it may go, else queues it; the promise settles when the port took it. */
  send(value: unknown, weight: number, signal: AbortSignal | undefined): Promise<void> {
    // The common case goes straight to the port: no queue entry, no extra promise.
    if (this.#waiting.length === 0 && this.#mayHandOver()) return this.#handOver(value, weight)
    const entry: PendingSend = { value, weight, done: deferred<void>(), stopAbort: noop }
    this.#waiting.push(entry)
    entry.stopAbort = onAbort(signal, () => {
      this.#waiting.splice(this.#waiting.indexOf(entry), 1)
      entry.done.reject(abortError(signal!, 'send'))
      this.host.onRoom()
    })
    return entry.done.promise
  }

  /** Hands waiting values to the port while credit and room allow. */
  flush(): void {
    while (this.#waiting.length > 0 && this.#mayHandOver()) {
      const entry = this.#waiting.shift()!
      entry.stopAbort()
      this.#handOver(entry.value, entry.weight).then(entry.done.resolve, entry.done.reject)
    }
  }

  rejectAll(reason: NetError): void {
    for (const entry of this.#waiting.splice(0)) {
      entry.stopAbort()
      entry.done.reject(reason)
    }
  }

  /** True when the next value may go to the port now: the peer has room and the port is not backed up. */
  #mayHandOver(): boolean {
    return this.credit.available && (this.#inPortCount === 0 || this.#inPortBytes < MAX_IN_PORT_BYTES)
  }

  #handOver(value: unknown, weight: number): Promise<void> {
    const spent = this.credit.spend(weight)
    this.#inPortBytes += weight
    this.#inPortCount++
    // One reaction per value (this runs for every message): leave the port, then pump.
    return this.host.sendData(value, spent.wait).then(
      () => this.#leftPort(weight),
      (err: unknown) => {
        // The codec refused it: nothing was sent, so its credit comes back.
        if (this.host.failure === undefined && isNetError(err, 'usage')) this.credit.refund(spent)
        this.#leftPort(weight)
        throw this.host.failure ?? err
      },
    )
  }

  #leftPort(weight: number): void {
    this.#inPortBytes -= weight
    this.#inPortCount--
    this.host.onRoom()
  }
}
