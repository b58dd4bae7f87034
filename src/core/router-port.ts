import { NetError, peerSent } from '../base/errors.js'
import type { CancellablePort, PortHandlers } from './port.js'
import { noop, RESOLVED } from '../base/noop.js'
import type { MemoryBudget } from '../base/memory-budget.js'
import { unreachable } from '../base/unreachable.js'
import type { Held } from './held-messages.js'

/** What a router needs from its session. */
export interface PortHost {
  readonly isLeader: boolean
  sendPortMessage(key: string, kind: string | undefined, message: unknown): Promise<void>
  /** Sends a `cancel` or `cancelled` frame for `key`, in the key's order with its messages. */
  sendCancel(key: string, type: 'cancel' | 'cancelled'): Promise<void>
  now(): number
  clockErrorBound(): number
}

/** What a port asks of its router. */
export interface PortRegistry {
  readonly closedReason: NetError | undefined
  /** Frees the key for the caller's next instance; the port still takes the peer's messages. */
  retire(port: RouterPort<unknown>): void
  /** Forgets the port: it takes nothing more. */
  release(port: RouterPort<unknown>): void
  readonly memory: MemoryBudget
  /** The estimated heap size of the message being delivered now. */
  readonly deliveringCost: number
}

export function cancelPort(port: RouterPort<unknown>): void {
  if (port.handlers.onPeerCancel === undefined) throw cannotCancel(port.key, port.kind)
  port.handlers.onPeerCancel()
}

export function cannotCancel(key: string, kind: string): NetError {
  return peerSent(`a cancel of operation "${key}", a ${kind}, which cannot be cancelled`)
}

/**
 * One operation's port: a class rather than an object of closures, because every join, select
 * and exchange opens one.
 */
export class RouterPort<Out> implements CancellablePort<Out> {
  readonly isLeader: boolean
  /** The peer's first message (which names the kind) has arrived. */
  introduced = false
  /** `retired`: the key is free again, but the peer's last messages for this instance still come here. */
  state: 'open' | 'retired' | 'released' = 'open'
  #sentFirst = false

  constructor(
    private readonly router: PortRegistry,
    private readonly host: PortHost,
    readonly kind: string,
    readonly key: string,
    readonly handlers: PortHandlers<never>,
  ) {
    this.isLeader = host.isLeader
  }

  get memory(): MemoryBudget {
    return this.router.memory
  }

  messageCost(): number {
    return this.router.deliveringCost
  }

  get isOpen(): boolean {
    return this.router.closedReason === undefined && this.state !== 'released'
  }

  post(message: Out): Promise<void> {
    if (!this.isOpen) return RESOLVED
    // A failed send means the session is closing; onClose tells the primitive.
    return this.#transmit(message).catch(noop)
  }

  send(message: Out): Promise<void> {
    if (!this.isOpen) return Promise.reject(this.router.closedReason ?? new NetError('usage', `port "${this.key}" is released`))
    try {
      return this.#transmit(message)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  cancel(): void {
    if (this.isOpen) void this.host.sendCancel(this.key, 'cancel').catch(noop)
  }

  retire(): void {
    if (this.state === 'open') this.router.retire(this as RouterPort<unknown>)
  }

  release(): void {
    if (this.state !== 'released') this.router.release(this as RouterPort<unknown>)
  }

  now(): number {
    return this.host.now()
  }

  clockErrorBound(): number {
    return this.host.clockErrorBound()
  }

  /**
   * Throws, with nothing sent, when the message cannot be encoded; so the kind stays on the first
   * message that really goes out.
   */
  #transmit(message: Out): Promise<void> {
    const sent = this.host.sendPortMessage(this.key, this.#sentFirst ? undefined : this.kind, message)
    this.#sentFirst = true
    return sent
  }
}

export function deliver(port: RouterPort<unknown>, message: unknown): void {
  port.handlers.onMessage(port.handlers.parse(message) as never)
}

export function checkKind(key: string, local: string, remote: string): void {
  if (local !== remote) throw kindMismatch(key, local, remote)
}

export function kindMismatch(key: string, local: string, remote: string): NetError {
  return new NetError('protocol', `operation key "${key}" is used for ${local} here but for ${remote} on the peer`)
}

/** Hands one held item to the port it belongs to. */
export function deliverHeld(port: RouterPort<unknown>, item: Held): void {
  switch (item.type) {
    case 'message':
      if (item.kind !== undefined) {
        checkKind(port.key, port.kind, item.kind)
        port.introduced = true
      }
      return deliver(port, item.message)
    case 'cancel':
      return cancelPort(port)
    case 'cancelled':
      throw new NetError('protocol', `a cancelled instance of "${port.key}" reached an open port`)
    default:
      return unreachable(item)
  }
}
