import { abortError, NetError, peerSent } from '../../base/errors.js'
import { onAbort } from '../../base/abort.js'
import { noop } from '../../base/noop.js'
import { ReceiveCredit } from '../../core/flow/credit.js'
import { ChannelInbox, type Received } from '../../core/flow/inbox.js'
import { measureValue } from '../../core/flow/measure.js'
import { describeCall, type RpcLink } from './rpc-link.js'
import type { RpcStream } from './rpc-types.js'

/** A call waiting for its one answer. A class, not closures: 10,000 of these may be pending. */
class PendingCall {
  stopAbort = noop
  constructor(
    readonly method: string,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}
}

/** A streamed call: its items wait in an inbox for the reader, who grants credit as it takes them. */
class StreamCall {
  stopAbort = noop
  constructor(
    readonly method: string,
    readonly credit: ReceiveCredit,
    readonly inbox: ChannelInbox<unknown>,
  ) {}
}

/**
 * This side's calls on one service: each gets the next id, and waits for the answers that name
 * it. A call given up (abort, loop left early) is forgotten at once and the callee told; answers
 * for it that were already on their way are ignored, so nothing is kept for it.
 */
export class RpcCallerSide {
  #lastId = 0
  readonly #calls = new Map<number, PendingCall | StreamCall>()
  #failure: NetError | undefined

  constructor(private readonly link: RpcLink) {}

  /** Calls waiting for an answer or streaming. */
  get pending(): number {
    return this.#calls.size
  }

  call(method: string, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (signal?.aborted === true) return Promise.reject(abortError(signal, describeCall(this.link, method)))
    const id = ++this.#lastId
    return new Promise((resolve, reject) => {
      const call = new PendingCall(method, resolve, reject)
      this.#calls.set(id, call)
      this.link.send({ type: 'call', id, method, args }).catch((err: unknown) => this.#take(id) !== undefined && reject(err))
      if (signal !== undefined) call.stopAbort = onAbort(signal, () => this.#giveUp(id, () => abortError(signal, describeCall(this.link, method))))
    })
  }

  stream(method: string, args: unknown[], window: number, windowBytes: number, signal: AbortSignal | undefined): RpcStream<unknown> {
    const id = ++this.#lastId
    const what = describeCall(this.link, method)
    const inbox = new ChannelInbox<unknown>(
      `the stream of ${what}`,
      (item) => this.#taken(id, item),
      () => {
        inbox.abandon()
        this.#giveUp(id, undefined)
      },
      this.link.memory,
    )
    const stream = { [Symbol.asyncIterator]: () => inbox.iterator() }
    if (this.#failure !== undefined) inbox.fail(this.#failure)
    else if (signal?.aborted === true) inbox.fail(abortError(signal, what))
    if (this.#failure !== undefined || signal?.aborted === true) return stream
    const call = new StreamCall(method, new ReceiveCredit(window, windowBytes), inbox)
    this.#calls.set(id, call)
    this.link.send({ type: 'stream', id, method, args, window, windowBytes }).catch((err: unknown) => this.#take(id) !== undefined && inbox.fail(err as NetError))
    if (signal !== undefined) call.stopAbort = onAbort(signal, () => this.#giveUp(id, () => abortError(signal, what)))
    return stream
  }

  onResult(id: number, value: unknown): void {
    const call = this.#answered(id, PendingCall, 'a result')
    call?.resolve(value)
  }

  onError(id: number, name: string, message: string): void {
    const call = this.#take(id)
    if (call === undefined) return this.#checkKnown(id, 'an error')
    const error = new NetError('remote', `${describeCall(this.link, call.method)} failed on the peer: ${name}: ${message}`, {
      remoteName: name,
      remoteMessage: message,
    })
    if (call instanceof PendingCall) call.reject(error)
    else call.inbox.fail(error, true)
  }

  onItem(id: number, value: unknown, wait: boolean): void {
    const call = this.#calls.get(id)
    if (call === undefined) return this.#checkKnown(id, 'an item')
    if (!(call instanceof StreamCall)) throw peerSent(`an rpc item for call ${id}, which does not stream`)
    const weight = measureValue(value)
    call.credit.received(weight)
    call.inbox.deliver({ value, weight, wait, cost: this.link.messageCost() })
  }

  onEnd(id: number): void {
    const call = this.#answered(id, StreamCall, 'an end')
    call?.inbox.end()
  }

  /** The session closed: every call still waiting rejects with `reason`. */
  close(reason: NetError): void {
    this.#failure = reason
    for (const call of this.#calls.values()) {
      call.stopAbort()
      if (call instanceof PendingCall) call.reject(reason)
      else call.inbox.fail(reason)
    }
    this.#calls.clear()
  }

  /** Removes call `id` once its final answer came; undefined (after checking the id) if it is gone. */
  #answered<C extends PendingCall | StreamCall>(id: number, type: new (...args: never[]) => C, what: string): C | undefined {
    const call = this.#calls.get(id)
    if (call === undefined) return this.#checkKnown(id, what)
    if (!(call instanceof type)) throw peerSent(`${what} for rpc call ${id} of the other kind (call or stream)`)
    this.#take(id)
    return call
  }

  /** An answer for a call that is not waiting: one given up here is fine, one never made is not. */
  #checkKnown(id: number, what: string): undefined {
    if (id > this.#lastId) throw peerSent(`${what} for rpc call ${id}, which was never made`)
    return undefined
  }

  #take(id: number): PendingCall | StreamCall | undefined {
    const call = this.#calls.get(id)
    if (call === undefined) return undefined
    this.#calls.delete(id)
    call.stopAbort()
    return call
  }

  /**
   * The caller gave up on call `id` (its signal aborted: `reason` makes the error), or its reader
   * left the loop (no reason). The cancel goes out before the error is made: building an Error
   * (its stack) is the slowest step here, and the handler's signal waits for the cancel.
   */
  #giveUp(id: number, reason: (() => NetError) | undefined): void {
    const call = this.#take(id)
    if (call === undefined) return
    this.link.post({ type: 'cancel', id })
    if (reason === undefined) return
    if (call instanceof PendingCall) call.reject(reason())
    else call.inbox.fail(reason())
  }

  #taken(id: number, item: Received): void {
    const call = this.#calls.get(id)
    if (!(call instanceof StreamCall)) return
    const n = call.credit.taken(item.weight, item.wait)
    if (n > 0) this.link.post({ type: 'credit', id, n })
  }
}
