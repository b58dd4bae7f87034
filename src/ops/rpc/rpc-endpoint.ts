import type { NetError } from '../../base/errors.js'
import { unreachable } from '../../base/unreachable.js'
import type { OpHost } from '../../core/op-host.js'
import type { Port } from '../../core/port.js'
import { RpcCalleeSide } from './rpc-callee.js'
import { RpcCallerSide } from './rpc-caller.js'
import type { RpcLink } from './rpc-link.js'
import { encodeRpcMessage, parseRpcMessage, type RpcMessage } from './rpc-wire.js'

/** The port kind of an rpc service. */
export const RPC_KIND = 'rpc'

/**
 * One service on this side: its port (the service's name is its key, held for the session's
 * life) and the two halves that share it, this side's calls and the peer's.
 */
export class RpcEndpoint {
  readonly caller: RpcCallerSide
  readonly callee: RpcCalleeSide
  readonly #port: Port<unknown[]>

  constructor(host: OpHost, name: string, handlerWaitMs: number) {
    this.#port = host.openPort<unknown[], RpcMessage>(RPC_KIND, name, {
      parse: parseRpcMessage,
      onMessage: (message) => this.#route(message),
      onClose: (reason) => this.#close(reason),
    })
    const port = this.#port
    const link: RpcLink = {
      name,
      send: (message) => port.send(encodeRpcMessage(message)),
      post: (message) => void port.post(encodeRpcMessage(message)),
      memory: port.memory,
      messageCost: () => port.messageCost(),
    }
    this.caller = new RpcCallerSide(link)
    this.callee = new RpcCalleeSide(link, handlerWaitMs)
  }

  get memory(): Port<unknown>['memory'] {
    return this.#port.memory
  }

  #route(message: RpcMessage): void {
    switch (message.type) {
      case 'call':
      case 'stream':
        return this.callee.onCall(message)
      case 'cancel':
        return this.callee.onCancel(message.id)
      case 'credit':
        return this.callee.onCredit(message.id, message.n)
      case 'result':
        return this.caller.onResult(message.id, message.value)
      case 'error':
        return this.caller.onError(message.id, message.name, message.message)
      case 'item':
        return this.caller.onItem(message.id, message.value, message.wait)
      case 'end':
        return this.caller.onEnd(message.id)
      default:
        return unreachable(message)
    }
  }

  #close(reason: NetError): void {
    this.caller.close(reason)
    this.callee.close(reason)
  }
}
