import { NetError, peerSent } from '../../base/errors.js'
import { noop } from '../../base/noop.js'
import { unrefTimer } from '../../base/unref-timer.js'
import { describeError, type ErrorText } from '../../core/error-text.js'
import { describeCall, type RpcLink } from './rpc-link.js'
import { StreamSender } from './rpc-stream-sender.js'
import type { RpcMessage } from './rpc-wire.js'
import { CallContext, findMethod, isAsyncIterable, isIterable, isThenable, RunningCall } from './rpc-running-call.js'

/**
 * What one call running here may cost beyond its message (its record, the handler's context and
 * promise, and the abort controller and listener of a handler that reads its signal): an upper
 * bound, charged to the session's memory budget while it runs, so a peer cannot start calls
 * without bound. test/bench/rpc.bench.ts measured ~250 bytes for a handler that ignores its signal.
 */
const RUNNING_CALL_BYTES = 1024

/**
 * The peer's calls on one service: each runs its handler with a signal that aborts if the
 * caller gives up, and answers once, unless cancelled. Calls that arrive before any handler
 * serves the service wait for one, each at most `handlerWaitMs`.
 */
export class RpcCalleeSide {
  #lastId = 0
  readonly #running = new Map<number, RunningCall>()
  /** Calls that wait for `handle`, in arrival order. */
  readonly #waiting = new Set<RunningCall>()
  #handlers: object | undefined
  #failure: NetError | undefined

  constructor(
    private readonly link: RpcLink,
    private readonly handlerWaitMs: number,
  ) {}

  /** Calls running or waiting for a handler. */
  get running(): number {
    return this.#running.size
  }

  handle(handlers: object): () => void {
    if (this.#handlers !== undefined) throw new NetError('usage', `rpc "${this.link.name}" is already handled here; stop the other handler first`)
    this.#handlers = handlers
    for (const call of [...this.#waiting]) this.#start(call)
    return () => {
      if (this.#handlers === handlers) this.#handlers = undefined
    }
  }

  onCall(message: Extract<RpcMessage, { type: 'call' | 'stream' }>): void {
    if (message.id <= this.#lastId) throw peerSent(`rpc call ${message.id} after call ${this.#lastId} (ids must grow)`)
    this.#lastId = message.id
    const cost = this.link.messageCost() + RUNNING_CALL_BYTES
    this.link.memory.charge(cost, `rpc calls running here on "${this.link.name}"`)
    const call = new RunningCall(message, cost)
    this.#running.set(message.id, call)
    if (this.#handlers !== undefined) return this.#start(call)
    this.#waiting.add(call)
    call.timer = setTimeout(() => this.#answerError(call, noHandler(this.link.name)), this.handlerWaitMs)
    unrefTimer(call.timer)
  }

  onCancel(id: number): void {
    const call = this.#find(id, 'a cancel')
    if (call === undefined || call.cancelled) return
    call.cancelled = true
    call.abort(new NetError('aborted', `${describeCall(this.link, call.message.method)} was cancelled by the caller`))
    call.sender?.stop()
    // A call still waiting for a handler never started: nothing else will finish it.
    if (this.#waiting.has(call)) this.#finish(call)
  }

  onCredit(id: number, n: number): void {
    const call = this.#find(id, 'credit')
    if (call === undefined) return
    if (call.message.type !== 'stream') throw peerSent(`credit for rpc call ${id}, which does not stream`)
    // The sender exists from the handler's start; before it, no item went out that credit could return.
    if (call.sender === undefined) throw peerSent(`credit for rpc call ${id} before any of its items`)
    call.sender.grant(n)
  }

  /** The session closed: every handler's signal aborts with `reason`; nothing more is sent. */
  close(reason: NetError): void {
    this.#failure = reason
    for (const call of this.#running.values()) {
      clearTimeout(call.timer)
      call.sender?.stop()
      call.abort(reason)
      this.link.memory.release(call.cost)
    }
    this.#running.clear()
    this.#waiting.clear()
  }

  /** A call for a running (or waiting) call, else undefined: finished is fine, never made is not. */
  #find(id: number, what: string): RunningCall | undefined {
    const call = this.#running.get(id)
    if (call === undefined && id > this.#lastId) throw peerSent(`${what} for rpc call ${id}, which was never made`)
    return call
  }

  #start(call: RunningCall): void {
    this.#waiting.delete(call)
    clearTimeout(call.timer)
    const { message } = call
    const method = findMethod(this.#handlers!, message.method)
    if (method === undefined) {
      return this.#answerError(call, { name: 'NoSuchMethod', message: `${describeCall(this.link, message.method)}: the handlers here have no such method` })
    }
    if (message.type === 'stream') call.sender = new StreamSender(message.window, message.windowBytes, (value, wait) => this.link.send({ type: 'item', id: message.id, value, wait }))
    let result: unknown
    try {
      result = method.apply(this.#handlers, [...message.args, new CallContext(call)])
    } catch (err) {
      return this.#answerError(call, describeError(err))
    }
    // A plain result is answered at once: one promise hop less on every call.
    if (!isThenable(result)) return call.sender === undefined ? this.#answer(call, result) : this.#stream(call, call.sender, result)
    result.then(
      (value) => (call.sender === undefined ? this.#answer(call, value) : this.#stream(call, call.sender, value)),
      (err: unknown) => this.#answerError(call, describeError(err)),
    )
  }

  #answer(call: RunningCall, value: unknown): void {
    if (isAsyncIterable(value)) {
      return this.#answerError(call, { name: 'TypeError', message: `${describeCall(this.link, call.message.method)} streams: call it through api.stream` })
    }
    if (!this.#finish(call)) return
    this.link.send({ type: 'result', id: call.message.id, value }).catch((err: unknown) => {
      if (this.#failure === undefined) this.link.post({ type: 'error', id: call.message.id, ...describeError(err) })
    })
  }

  #stream(call: RunningCall, sender: StreamSender, source: unknown): void {
    if (!isAsyncIterable(source) && !isIterable(source)) {
      return this.#answerError(call, { name: 'TypeError', message: `${describeCall(this.link, call.message.method)} does not stream: call it through api.call` })
    }
    sender.run(source).then(
      (ended) => ended && this.#finish(call) && this.link.post({ type: 'end', id: call.message.id }),
      (err: unknown) => this.#answerError(call, describeError(err)),
    ).finally(() => this.#finish(call)).catch(noop)
  }

  #answerError(call: RunningCall, error: ErrorText): void {
    if (this.#finish(call)) this.link.post({ type: 'error', id: call.message.id, ...error })
  }

  /** Forgets `call`; true if its answer should still go out (not cancelled, session open). */
  #finish(call: RunningCall): boolean {
    if (this.#running.get(call.message.id) !== call) return false
    this.#running.delete(call.message.id)
    this.#waiting.delete(call)
    clearTimeout(call.timer)
    this.link.memory.release(call.cost)
    return !call.cancelled && this.#failure === undefined
  }
}

function noHandler(name: string): ErrorText {
  return { name: 'NoHandler', message: `nothing handles rpc "${name}" on the peer` }
}
