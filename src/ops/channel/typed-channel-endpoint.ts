import { abortError, NetError, peerSent } from '../../base/errors.js'
import { checkOptionsObject, checkSignal, rejectMisuse } from '../../base/arguments.js'
import { deferred } from '../../base/deferred.js'
import { noop } from '../../base/noop.js'
import { unreachable } from '../../base/unreachable.js'
import type { OpHost } from '../../core/op-host.js'
import type { Port } from '../../core/port.js'
import type { ChannelSendOptions, TypedChannel } from './typed-channel-types.js'
import { ReceiveCredit, SendCredit } from '../../core/flow/credit.js'
import { ChannelClosing } from './typed-channel-closing.js'
import { ChannelInbox, type Received } from '../../core/flow/inbox.js'
import { ChannelOutbox } from '../../core/flow/outbox.js'
import { encodeChannelMessage, parseChannelMessage, type ChannelMessage } from './typed-channel-wire.js'
import { measureValue } from '../../core/flow/measure.js'

/**
 * One side of a typed channel. Two streams share its port: this side's data (`data`… `end`) and
 * its credit for the peer's data (`credit`… `stop`). How it closes is {@link ChannelClosing}.
 */
export class ChannelEndpoint<T> implements TypedChannel<T> {
  readonly key: string
  readonly #port: Port<unknown[]>
  readonly #sendCredit = new SendCredit()
  readonly #receiveCredit: ReceiveCredit
  readonly #closing: ChannelClosing
  readonly #ended = deferred<void>()
  /** The session's reason, once it closed before this channel did. */
  #failure: NetError | undefined
  /** Sends waiting for credit or for room in the port, in order. */
  readonly #outbox: ChannelOutbox
  #sendRefusal: NetError | undefined
  #endDue = false
  readonly #inbox: ChannelInbox<T>
  #grantDue = 0
  #gotHello = false
  #stopDue = false

  constructor(host: OpHost, key: string, window: number, windowBytes: number) {
    this.key = key
    this.#closing = new ChannelClosing(key)
    this.#receiveCredit = new ReceiveCredit(window, windowBytes)
    this.#ended.promise.catch(noop)
    const endpoint = this
    this.#outbox = new ChannelOutbox(this.#sendCredit, {
      sendData: (value, wait) => this.#port.send(encodeChannelMessage({ type: 'data', value, wait })),
      get failure() {
        return endpoint.#failure
      },
      onRoom: () => this.#pump(),
    })
    this.#port = host.openPort<unknown[], ChannelMessage>('channel', key, {
      parse: parseChannelMessage,
      onMessage: (message) => this.#onMessage(message),
      onClose: (reason) => this.#onClose(reason),
    })
    // After the port, whose budget it charges; no message reaches the port before this returns.
    this.#inbox = new ChannelInbox<T>(
      `channel "${key}"`,
      (item) => this.#taken(item),
      () => this.#abandon(),
      this.#port.memory,
    )
    this.#transmit({ type: 'hello', window, windowBytes }).catch(noop)
  }

  get closed(): Promise<NetError> {
    return this.#closing.closed
  }

  get bufferedMessages(): number {
    return this.#inbox.messages
  }

  get bufferedBytes(): number {
    return this.#inbox.bytes
  }

  send(value: T, options: ChannelSendOptions = {}): Promise<void> {
    const misuse = rejectMisuse(() => checkSendOptions(`channel "${this.key}" send`, options))
    if (misuse !== undefined) return misuse
    const { signal } = options
    if (signal?.aborted) return Promise.reject(abortError(signal, 'send'))
    const refusal = this.#failure ?? this.#sendRefusal
    if (refusal !== undefined) return Promise.reject(refusal)
    return this.#outbox.send(value, measureValue(value), signal)
  }

  close(): Promise<void> {
    this.#closing.closingHere()
    if (this.#failure === undefined && !this.#endDue) {
      this.#sendRefusal = new NetError('usage', `channel "${this.key}" is closed for sending`)
      this.#endDue = true
      this.#pump()
    }
    return this.#ended.promise
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#abandon()
    await this.#closing.closed
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return this.#inbox.iterator()
  }

  #taken(item: Received): void {
    if (this.#stopDue) return
    const grant = this.#receiveCredit.taken(item.weight, item.wait)
    if (grant === 0) return
    this.#grantDue += grant
    this.#pump()
  }

  /** The reader gave up (break, dispose): drop what is buffered, stop the peer, close this side. */
  #abandon(): void {
    this.#inbox.abandon()
    this.#stopReading()
    this.close().catch(noop)
  }

  /** No more credit from this side: the peer's data ended, or nobody will read it. */
  #stopReading(): void {
    if (this.#stopDue) return
    this.#stopDue = true
    this.#grantDue = 0
    this.#pump()
  }

  /**
   * Hands everything due to the port: credit and stop first (they concern the other direction),
   * then data while credit and room allow, then end once every value has gone.
   */
  #pump(): void {
    if (this.#failure !== undefined) return
    if (this.#grantDue > 0) {
      const n = this.#grantDue
      this.#grantDue = 0
      this.#transmit({ type: 'credit', n }).catch(noop)
    }
    if (this.#stopDue && !this.#closing.sentStop) {
      this.#closing.sentStop = true
      this.#transmit({ type: 'stop' }).catch(noop)
    }
    this.#outbox.flush()
    if (this.#outbox.isEmpty && this.#endDue && !this.#closing.sentEnd) {
      this.#closing.sentEnd = true
      this.#transmit({ type: 'end' }).then(this.#ended.resolve, this.#ended.reject)
    }
  }

  /** Hands one control message (hello, credit, stop, end) to the port. */
  #transmit(message: ChannelMessage): Promise<void> {
    const taken = this.#port.send(encodeChannelMessage(message))
    this.#maybeRelease()
    return taken.catch((err: unknown) => {
      throw this.#failure ?? err
    })
  }

  #onMessage(message: ChannelMessage): void {
    if (!this.#gotHello && message.type !== 'hello') throw peerSent(`${message.type} before its hello on a channel`)
    switch (message.type) {
      case 'hello':
        if (this.#gotHello) throw peerSent(`a second hello on a channel`)
        this.#gotHello = true
        this.#sendCredit.open(message.window, message.windowBytes)
        return this.#pump()
      case 'data':
        return this.#onData(message.value, message.wait)
      case 'credit':
        if (this.#closing.gotStop) throw peerSent(`credit after its stop on a channel`)
        this.#sendCredit.grant(message.n)
        return this.#pump()
      case 'end':
        if (this.#closing.gotEnd) throw peerSent(`a second end on a channel`)
        this.#closing.gotEnd = true
        this.#closing.closingThere()
        this.#inbox.end()
        this.#stopReading()
        return this.#maybeRelease()
      case 'stop': {
        if (this.#closing.gotStop) throw peerSent(`a second stop on a channel`)
        this.#closing.gotStop = true
        this.#closing.closingThere()
        const refusal = new NetError('closed', `the peer stopped reading channel "${this.key}"`)
        this.#sendRefusal ??= refusal
        this.#outbox.rejectAll(refusal)
        this.#endDue = true
        this.#pump()
        return this.#maybeRelease()
      }
      default:
        return unreachable(message)
    }
  }

  #onData(value: unknown, wait: boolean): void {
    if (this.#closing.gotEnd) throw peerSent(`data after its end on a channel`)
    const weight = measureValue(value)
    this.#receiveCredit.received(weight)
    if (!this.#inbox.abandoned) this.#inbox.deliver({ value, weight, wait, cost: this.#port.messageCost() })
  }

  /** Frees the key once both sides sent their `end` and `stop`: neither will send anything more. */
  #maybeRelease(): void {
    if (this.#closing.complete()) this.#port.release()
  }

  /** The session closed first: everything pending rejects with its reason, and so `closed` resolves. */
  #onClose(reason: NetError): void {
    if (!this.#closing.fail(reason)) return
    this.#failure = reason
    this.#outbox.rejectAll(reason)
    this.#ended.reject(reason)
    this.#inbox.fail(reason)
  }
}

function checkSendOptions(where: string, options: unknown): void {
  checkSignal(where, checkOptionsObject(where, options).signal)
}
