import type { NetError } from '../base/errors.js'
import type { CancellablePort, PortHandlers } from './port.js'

/** What every primitive gets from the session: keyed ports and the default key sequence. */
export interface OpHost {
  /**
   * Opens the port for `key`. Throws NetError `usage` if the key is in use, the close reason once
   * closed, and NetError `aborted` (nothing opened, nothing sent) if the peer already cancelled
   * this operation before this side opened it.
   */
  openPort<Out, In>(kind: string, key: string, handlers: PortHandlers<In>): CancellablePort<Out>
  /** The next default key for `kind`: `kind#1`, `kind#2`, … in call order. */
  nextKey(kind: string): string
  /** Set once the session has closed. */
  readonly closedReason: NetError | undefined
}

/** Options every operation takes. */
export interface OpOptions {
  /**
   * Pairs this call with the peer's call of the same key. Without it, calls pair by per-kind
   * call order (`join#1` with the peer's first join, …), which is only safe when both sides
   * start their operations of that kind in the same order.
   */
  key?: string
  /** Aborts the call; the peer's side then settles with NetError `aborted` instead of hanging. */
  signal?: AbortSignal
}
