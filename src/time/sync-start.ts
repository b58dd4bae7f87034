import { NetError } from '../errors.js'
import type { OpHost, OpOptions } from '../session/op-host.js'

/** What the function started by `syncStart` receives. */
export interface SyncStartInfo<P> {
  /** The payload the peer passed to its `syncStart`. */
  readonly peerPayload: P
  /** The agreed start instant on the shared timeline (ms). */
  readonly at: number
  /** How late this side actually started, in ms. */
  readonly lateByMs: number
}

/** Options for `session.syncStart`. */
export interface SyncStartOptions extends OpOptions {
  /** A value handed to the peer's function as `peerPayload`. */
  payload?: unknown
  /**
   * How far ahead of the agreement the start is scheduled, beyond what the message needs.
   * @default 50
   */
  delayMs?: number
}

export function runSyncStart<P, R>(
  host: OpHost,
  fn: (info: SyncStartInfo<P>) => R | PromiseLike<R>,
  options: SyncStartOptions,
): Promise<R> {
  void host
  void fn
  void options
  return Promise.reject(new NetError('usage', 'syncStart is not implemented yet'))
}
