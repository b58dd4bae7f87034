import { NetError } from '../errors.js'
import type { OpHost, OpOptions } from '../session/op-host.js'

/** Sends `value` and resolves with the peer's value. */
export function runExchange<Theirs>(host: OpHost, value: unknown, options: OpOptions): Promise<Theirs> {
  void host
  void value
  void options
  return Promise.reject(new NetError('usage', 'exchange is not implemented yet'))
}
