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
  /**
   * Lets the peer start operations of `kind` in this key space without this side calling first:
   * when the peer's first message of `kind` arrives for a key with no port open (or such
   * messages are already held), `accept(key)` is called synchronously and opens the port for it
   * with `openPort` (it may also refuse by opening the port, answering, and releasing it).
   * Returns a function that stops accepting. One acceptor per kind per key space.
   */
  acceptPorts(kind: string, accept: (key: string) => void): () => void
  /** Set once the session has closed. */
  readonly closedReason: NetError | undefined
}

/** Options of the one-shot operations: join, tryJoin, select, trySelect, exchange, syncStart. */
export interface OpOptions {
  /**
   * Pairs this call with the peer's call of the same key. Without it, calls pair by per-kind
   * call order (`join#1` with the peer's first join, …), which is only safe when both sides
   * start their operations of that kind in the same order.
   */
  key?: string
  /**
   * Aborts the call. Both sides always end with the same outcome. Aborted before this side's
   * result went out (its function still running; for syncStart, before it started), the call
   * rejects at once with NetError `aborted`, and so does the peer's (its function's signal
   * aborts). Aborted after that, before the peer's result arrived, it sends one more message and
   * settles on the peer's answer about a round trip later: a peer that had already settled on
   * this side's result keeps its outcome, and this side takes the outcome the operation gives
   * without an abort (so an aborted call may still resolve); otherwise both reject with
   * `aborted`, even when the peer has not called yet (its later call rejects at once). Aborting
   * after the peer's result arrived changes nothing.
   */
  signal?: AbortSignal
}
