import { checkKey } from '../../core/op-arguments.js'
import type { OpHost } from '../../core/op-host.js'
import { rpcApi } from './rpc-api.js'
import { RpcEndpoint, RPC_KIND } from './rpc-endpoint.js'
import { RPC_HANDLER_WAIT_MS, type Rpc } from './rpc-types.js'

export type * from './rpc-types.js'
export { RPC_HANDLER_WAIT_MS } from './rpc-types.js'

/**
 * What a service the peer calls, and this side never asked for, costs: its port, endpoint and
 * proxies. Charged to the memory budget for the session's life, so a peer inventing service
 * names runs into the budget (and closes the session with `protocol`) instead of growing memory.
 */
const ACCEPTED_SERVICE_BYTES = 2048

/**
 * The rpc services of one key space (the session's, or a scope's): `get(name)` gives the same
 * service every time, and a service the peer calls first is opened for it (its calls then wait
 * for a handler, see {@link RPC_HANDLER_WAIT_MS}).
 */
export class RpcServices {
  readonly #byName = new Map<string, { endpoint: RpcEndpoint; api: Rpc<unknown> }>()
  /**
   * Stops opening services the peer calls first: for a key space that closes before its session
   * (a scope). The services already open end with their ports, when the key space closes them.
   */
  readonly stopAccepting: () => void

  constructor(
    private readonly host: OpHost,
    /** How argument errors name `get`: `session.rpc`, `scope.rpc`. */
    private readonly where = 'session.rpc',
    private readonly handlerWaitMs = RPC_HANDLER_WAIT_MS,
  ) {
    this.stopAccepting = host.acceptPorts(RPC_KIND, (name) => {
      this.#open(name).endpoint.memory.charge(ACCEPTED_SERVICE_BYTES, 'rpc services the peer opened')
    })
  }

  /** The service `name`; throws NetError `usage` for a bad name, or the session's reason once closed. */
  get<Api>(name: string): Rpc<Api> {
    checkKey(this.where, name)
    return (this.#byName.get(name) ?? this.#open(name)).api as Rpc<Api>
  }

  #open(name: string): { endpoint: RpcEndpoint; api: Rpc<unknown> } {
    const endpoint = new RpcEndpoint(this.host, name, this.handlerWaitMs)
    const service = { endpoint, api: rpcApi<unknown>(name, endpoint) }
    this.#byName.set(name, service)
    return service
  }
}
