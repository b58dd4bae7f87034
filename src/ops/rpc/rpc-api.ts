import { checkInteger, checkSignal, usageError } from '../../base/arguments.js'
import type { RpcEndpoint } from './rpc-endpoint.js'
import type { Rpc, RpcCalls, RpcHandlers, RpcStream, RpcStreams } from './rpc-types.js'
import { MAX_METHOD_LENGTH } from './rpc-wire.js'

const CALL_OPTIONS = ['signal']
const STREAM_OPTIONS = ['signal', 'window', 'windowBytes']

/** The user's view of a service: `call` and `stream` proxies over its endpoint, and `handle`. */
export function rpcApi<Api>(name: string, endpoint: RpcEndpoint): Rpc<Api> {
  const where = `rpc "${name}"`
  const call = methodProxy(where, (method, args) => {
    const { values, options } = splitOptions(args, CALL_OPTIONS)
    try {
      checkSignal(`${where}.call.${method}`, options.signal)
    } catch (err) {
      return Promise.reject(err)
    }
    return endpoint.caller.call(method, values, options.signal as AbortSignal | undefined)
  })
  const stream = methodProxy(where, (method, args): RpcStream<unknown> => {
    const { values, options } = splitOptions(args, STREAM_OPTIONS)
    const at = `${where}.stream.${method}`
    checkSignal(at, options.signal)
    checkInteger(at, 'window', options.window, 1)
    checkInteger(at, 'windowBytes', options.windowBytes, 1)
    const window = (options.window as number | undefined) ?? 256
    return endpoint.caller.stream(method, values, window, (options.windowBytes as number | undefined) ?? 16 * 1024 * 1024, options.signal as AbortSignal | undefined)
  })
  return {
    name,
    call: call as RpcCalls<Api>,
    stream: stream as RpcStreams<Api>,
    handle(handlers: RpcHandlers<Api>): () => void {
      if (typeof handlers !== 'object' || handlers === null) throw usageError(`${where}.handle`, 'handlers must be an object of methods')
      return endpoint.callee.handle(handlers)
    },
  }
}

/**
 * An object whose every property is a method that calls `invoke` with its name. `then` is left
 * out, so awaiting the proxy (returning it from an async function) does not make a call.
 */
function methodProxy(where: string, invoke: (method: string, args: unknown[]) => unknown): object {
  const methods = new Map<string, (...args: unknown[]) => unknown>()
  return new Proxy(Object.create(null) as object, {
    get(_, name) {
      if (typeof name !== 'string' || name === 'then') return undefined
      let method = methods.get(name)
      if (method === undefined) {
        if (name.length > MAX_METHOD_LENGTH) throw usageError(where, `a method name must be at most ${MAX_METHOD_LENGTH} characters`)
        method = (...args: unknown[]) => invoke(name, args)
        methods.set(name, method)
      }
      return method
    },
  })
}

/**
 * Splits off the call options: the last argument is taken as options when it is a plain object
 * whose keys are all option names (at least one), and whose `signal`, if set, is an AbortSignal.
 */
function splitOptions(args: unknown[], names: readonly string[]): { values: unknown[]; options: Record<string, unknown> } {
  const last = args.at(-1)
  if (!isOptions(last, names)) return { values: args, options: {} }
  return { values: args.slice(0, -1), options: last }
}

function isOptions(value: unknown, names: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  const keys = Object.keys(value)
  if (keys.length === 0 || !keys.every((key) => names.includes(key))) return false
  const { signal } = value as { signal?: unknown }
  return signal === undefined || signal instanceof AbortSignal
}
