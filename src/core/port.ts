import type { NetError } from '../base/errors.js'
import type { MemoryBudget } from '../base/memory-budget.js'

/** How a primitive receives what arrives on its port. */
export interface PortHandlers<In> {
  /** Validates one message from the peer; throws NetError `protocol` if it is not an `In`. */
  parse(message: unknown): In
  /** One validated message from the peer, in order. */
  onMessage(message: In): void
  /** The session closed while the port was open; every pending call must reject with `reason`. */
  onClose(reason: NetError): void
  /**
   * The peer cancelled this operation after its own result went out (see
   * {@link CancellablePort.cancel}); always after the peer's messages for it. Settle as aborted
   * and answer `abort` unless this side's result is already out, which then decides for both.
   * Only one-shot operations have it: a cancel for any other port is a protocol error.
   */
  onPeerCancel?(): void
  /**
   * The peer's session answered this side's cancel on behalf of an operation the peer had not
   * opened: the peer will never run it, so settle as aborted. A protocol error if absent.
   */
  onCancelAnswered?(): void
}

/**
 * One operation's view of the session: typed messages to and from the peer's port of the same
 * key. Primitives are written against this, so they can be tested without a session.
 */
export interface Port<Out> {
  readonly key: string
  /**
   * The session's memory budget: an operation that keeps what the peer sent (a channel's unread
   * values, a lock's queued requests) charges it, and releases the charge when it lets go.
   */
  readonly memory: MemoryBudget
  /**
   * The estimated heap size of the message being handed to `onMessage` right now (valid only
   * inside it): what keeping that message costs.
   */
  messageCost(): number
  /** True on the side that breaks ties. */
  readonly isLeader: boolean
  /**
   * Queues a message to the peer; a transport failure shows up as the session closing. Throws
   * NetError `usage`, with nothing sent, if the message cannot be encoded. The promise (which
   * never rejects) resolves once the transport took the message or the session closed.
   */
  post(message: Out): Promise<void>
  /** Sends a message and resolves once the transport took it (backpressure). */
  send(message: Out): Promise<void>
  /** Frees the key so a later operation may use it again. Idempotent. */
  release(): void
  /** True until released (a retired port is still open) or the session closed. */
  readonly isOpen: boolean
  /** The shared timeline (the leader's clock), in ms. */
  now(): number
  /** The bound on how far `now()` may be from the leader's clock, in ms (0 on the leader). */
  clockErrorBound(): number
}

/** The port a session hands out; one-shot operations also use `cancel` and `retire`. */
export interface CancellablePort<Out> extends Port<Out> {
  /**
   * Tells the peer this side gave up after its own result went out (one extra frame, after this
   * port's messages). The peer answers with its own result if it had settled, `abort` if it had
   * not, or, if it never opened the operation, its session answers on its behalf.
   */
  cancel(): void
  /**
   * Frees the key for the caller's next operation while this port still takes the peer's
   * remaining messages for this one (its call settled before they came); `release()` once they
   * have. Idempotent.
   */
  retire(): void
}
