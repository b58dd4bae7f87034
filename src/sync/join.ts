import { NetError } from '../errors.js'
import type { OpHost, OpOptions } from '../session/op-host.js'

/** The work one side contributes to a join or select; it receives a signal that aborts when its result is no longer wanted. */
export type NetTask<T> = (signal: AbortSignal) => T | PromiseLike<T>

/** Runs `join` (kind 'join') or `tryJoin` (kind 'tryJoin'). */
export function runJoin<T>(host: OpHost, kind: 'join' | 'tryJoin', fn: NetTask<T>, options: OpOptions): Promise<T> {
  void host
  void fn
  void options
  return Promise.reject(new NetError('usage', `${kind} is not implemented yet`))
}
