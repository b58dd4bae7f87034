import type { NetError } from '../../base/errors.js'
import type { MemoryBudget } from '../../base/memory-budget.js'
import { RESOLVED } from '../../base/noop.js'
import type { CancellablePort, PortHandlers } from '../port.js'
import type { RouterPort } from '../router-port.js'

/** What a scoped port tells its scope. */
export interface PortOwner {
  /** The peer ended the scope: it sends nothing more for it, except answers its open operations await. */
  readonly peerEnded: boolean
  /** The port took nothing more and its key is free: forget it. */
  portGone(port: ScopedPort<unknown>): void
  /** An operation that was still running here has settled (its port retired or released). */
  settled(): void
}

/**
 * An operation's port in a scope: the router's port for its routing key, seen by the operation
 * under its own key. It lets the scope end the operation without its help: a *sunk* port has told
 * its operation that it closed, and quietly takes whatever the peer still sends for it until the
 * peer's end of the scope (only then is its routing key free: a frame for a released key would be
 * a protocol error).
 */
export class ScopedPort<Out> implements CancellablePort<Out> {
  #inner!: RouterPort<Out>
  #sunk = false
  #gone = false
  /** A one-shot operation whose call has not settled yet: the scope's end waits for it. */
  #running: boolean

  constructor(
    private readonly owner: PortOwner,
    readonly key: string,
    private readonly handlers: PortHandlers<unknown>,
  ) {
    this.#running = handlers.onPeerCancel !== undefined
  }

  /** One-shot operations (join, select, exchange, syncStart) can be cancelled; channels and locks cannot. */
  get isOneShot(): boolean {
    return this.handlers.onPeerCancel !== undefined
  }

  get running(): boolean {
    return this.#running
  }

  /** The peer's first message for this operation has arrived. */
  get introduced(): boolean {
    return this.#inner.introduced
  }

  get retired(): boolean {
    return this.#inner.state === 'retired'
  }

  /** The handlers the router calls: the operation's own until the port is sunk. */
  routerHandlers(): PortHandlers<unknown> {
    const h = this.handlers
    const handlers: PortHandlers<unknown> = {
      parse: (message) => (this.#sunk ? message : h.parse(message)),
      onMessage: (message) => {
        if (!this.#sunk) h.onMessage(message)
      },
      onClose: (reason) => {
        if (!this.#sunk) h.onClose(reason)
        this.#sunk = true
      },
    }
    if (h.onPeerCancel !== undefined) handlers.onPeerCancel = () => this.#sunk || h.onPeerCancel!()
    if (h.onCancelAnswered !== undefined) handlers.onCancelAnswered = () => this.#sunk || h.onCancelAnswered!()
    return handlers
  }

  attach(inner: CancellablePort<Out>): this {
    this.#inner = inner as RouterPort<Out>
    return this
  }

  /** Tells the operation it closed for `reason`; its port keeps taking the peer's frames. */
  sink(reason: NetError): void {
    if (this.#sunk) return
    this.#sunk = true
    this.#stopRunning()
    this.handlers.onClose(reason)
  }

  /** Sinks the port and frees its key: the peer sends nothing more for it. */
  drop(reason: NetError): void {
    this.sink(reason)
    this.#release()
  }

  get memory(): MemoryBudget {
    return this.#inner.memory
  }

  get isLeader(): boolean {
    return this.#inner.isLeader
  }

  get isOpen(): boolean {
    return !this.#sunk && this.#inner.isOpen
  }

  messageCost(): number {
    return this.#inner.messageCost()
  }

  post(message: Out): Promise<void> {
    return this.#sunk ? RESOLVED : this.#inner.post(message)
  }

  send(message: Out): Promise<void> {
    return this.#sunk ? RESOLVED : this.#inner.send(message)
  }

  cancel(): void {
    if (!this.#sunk) this.#inner.cancel()
  }

  retire(): void {
    this.#stopRunning()
    // After the peer's end, nothing more comes for it: no need to wait.
    if (this.owner.peerEnded) this.#release()
    else this.#inner.retire()
  }

  release(): void {
    this.#stopRunning()
    // A sunk port is released by the scope, at the peer's end.
    if (!this.#sunk) this.#release()
  }

  now(): number {
    return this.#inner.now()
  }

  clockErrorBound(): number {
    return this.#inner.clockErrorBound()
  }

  #release(): void {
    if (this.#gone) return
    this.#gone = true
    this.#inner.release()
    this.owner.portGone(this as ScopedPort<unknown>)
  }

  #stopRunning(): void {
    if (!this.#running) return
    this.#running = false
    this.owner.settled()
  }
}
