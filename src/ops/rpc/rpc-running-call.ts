import type { StreamSender } from './rpc-stream-sender.js'
import type { RpcContext } from './rpc-types.js'
import type { RpcMessage } from './rpc-wire.js'

type CallMessage = Extract<RpcMessage, { type: 'call' | 'stream' }>

/** One peer call running (or waiting for a handler) here. */
export class RunningCall {
  /** Made when the handler first reads its signal: most handlers never do. */
  #controller: AbortController | undefined
  #abortReason: unknown
  cancelled = false
  timer: ReturnType<typeof setTimeout> | undefined
  sender: StreamSender | undefined
  constructor(
    readonly message: CallMessage,
    readonly cost: number,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason)
    }
    return this.#controller.signal
  }

  abort(reason: unknown): void {
    this.#abortReason ??= reason
    this.#controller?.abort(reason)
  }
}

/** The handler for `name`: an own or inherited method, never one of Object.prototype's. */
export function findMethod(handlers: object, name: string): ((...args: unknown[]) => unknown) | undefined {
  for (let at: object | null = handlers; at !== null && at !== Object.prototype; at = Object.getPrototypeOf(at) as object | null) {
    if (!Object.hasOwn(at, name)) continue
    const method: unknown = (at as Record<string, unknown>)[name]
    return typeof method === 'function' && name !== 'constructor' ? (method as (...args: unknown[]) => unknown) : undefined
  }
  return undefined
}

/**
 * What a handler gets after the arguments; its signal is made on first read. A class, so a call
 * allocates no getter closure, and the handler sees only `signal` of its call.
 */
export class CallContext implements RpcContext {
  readonly #call: RunningCall
  constructor(call: RunningCall) {
    this.#call = call
  }

  get signal(): AbortSignal {
    return this.#call.signal
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value
}

export function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value
}
