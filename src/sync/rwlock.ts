import { NetError } from '../errors.js'
import type { OpHost } from '../session/op-host.js'

/** Options for `session.rwlock`. */
export interface NetRwLockOptions<T> {
  /** The starting value; if both sides give one, the leader's wins. */
  initial?: T
}

/** A value shared by both peers behind one-writer-or-many-readers. */
export interface NetRwLock<T> {
  readonly key: string
}

export function createNetRwLock<T>(host: OpHost, key: string, options: NetRwLockOptions<T>): NetRwLock<T> {
  void host
  void options
  throw new NetError('usage', `rwlock "${key}" is not implemented yet`)
}
