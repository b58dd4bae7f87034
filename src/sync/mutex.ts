import { NetError } from '../errors.js'
import type { OpHost } from '../session/op-host.js'

/** Options for `session.mutex`. */
export interface NetMutexOptions<T> {
  /** The starting value; if both sides give one, the leader's wins. */
  initial?: T
}

/** A value shared by both peers behind a mutual exclusion lock. */
export interface NetMutex<T> {
  readonly key: string
}

export function createNetMutex<T>(host: OpHost, key: string, options: NetMutexOptions<T>): NetMutex<T> {
  void host
  void options
  throw new NetError('usage', `mutex "${key}" is not implemented yet`)
}
