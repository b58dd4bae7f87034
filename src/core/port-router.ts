import { NetError, peerSent } from '../base/errors.js'
import { unreachable } from '../base/unreachable.js'
import { HeldMessages } from './held-messages.js'
import type { CancellablePort, PortHandlers } from './port.js'
import { cancelPort, cannotCancel, deliverHeld, kindMismatch, checkKind, deliver, RouterPort, type PortHost } from './router-port.js'
import { noop } from '../base/noop.js'
import { MemoryBudget } from '../base/memory-budget.js'
import { KeySpaceAcceptors, type PortAcceptor } from './port-acceptors.js'
import { scopeOf } from './scope/scope-path.js'

export type { PortHost } from './router-port.js'

/**
 * Routes port messages by key. Messages for a key that is not open yet are held (bounded) until
 * it opens; a message that names another kind than the local port's is a protocol error.
 *
 * A port whose call settled before the peer's last message for it came (aborted before its result
 * went out, say) retires: the key is free for the caller's next instance at once, while the peer's
 * messages for the retired instance, which arrive before any of the next one's, still reach it.
 * Each key's receiver is therefore its oldest retired port, else its open one.
 *
 * A peer's `cancel` goes to the operation it concerns: to the open port that has its messages,
 * behind held messages the port has not received yet, or, when this side never opened that
 * operation, it replaces the held messages with a mark (the later open rejects with `aborted`)
 * and is answered `cancelled` at once, so the peer need not wait for this side to call.
 */
export class PortRouter {
  /** The port of each key that the caller holds. */
  readonly #open = new Map<string, RouterPort<unknown>>()
  /** Retired ports still waiting for the peer's last messages, oldest first per key. */
  readonly #retired = new Map<string, RouterPort<unknown>[]>()
  #retiredCount = 0
  readonly #keyCounters = new Map<string, number>()
  private readonly held: HeldMessages
  readonly #acceptors = new KeySpaceAcceptors()
  /** Set once every port was closed; read by the ports themselves. */
  closedReason: NetError | undefined
  /**
   * The estimated heap size of the message being delivered to a port right now: an operation
   * that keeps the message (a channel's inbox) charges it to the memory budget.
   */
  deliveringCost = 0

  constructor(
    private readonly host: PortHost,
    maxPending: number,
    /** Called with a protocol error found outside `route` (while draining held messages). */
    private readonly fail: (err: NetError) => void,
    /** The session's memory budget: held messages charge it, and ports hand it to their operations. */
    readonly memory: MemoryBudget = new MemoryBudget(Infinity),
  ) {
    this.held = new HeldMessages(maxPending, memory)
  }

  get openCount(): number {
    return this.#open.size + this.#retiredCount
  }

  get pendingMessages(): number {
    return this.held.count
  }

  /** The key of the next call of `kind` without one: `join#1`, `join#2`, … */
  nextKey(kind: string): string {
    const n = (this.#keyCounters.get(kind) ?? 0) + 1
    this.#keyCounters.set(kind, n)
    return `${kind}#${n}`
  }

  openPort<Out, In>(kind: string, key: string, handlers: PortHandlers<In>): CancellablePort<Out> {
    if (this.closedReason !== undefined) throw this.closedReason
    if (this.#open.has(key)) {
      throw new NetError('usage', `operation key "${key}" is already in use; give concurrent operations distinct keys`)
    }
    // With a retired port of the key waiting, the head of what is held is its instance.
    if (!this.#retired.has(key)) this.refuseIfCancelled(kind, key, handlers)
    const port = new RouterPort<Out>(this, this.host, kind, key, handlers as PortHandlers<never>)
    this.#open.set(key, port as RouterPort<unknown>)
    // Held messages go out on a microtask, so the primitive has its port before the first one.
    this.#drainSoon(key)
    return port
  }

  /** See OpHost.acceptPorts, for the key space at scope path `space` ('' for the root): what is held for `kind` there is offered at once. */
  acceptPorts(kind: string, accept: PortAcceptor, space = ''): () => void {
    const stop = this.#acceptors.add(space, kind, accept)
    try {
      for (const key of this.held.keysStartedAs(kind)) if ((scopeOf(key) ?? '') === space && this.#receiver(key) === undefined) accept(key)
    } catch (err) {
      this.fail(err instanceof NetError ? err : new NetError('protocol', 'a held operation could not be accepted', { cause: err }))
    }
    return stop
  }

  /** Called by a port: the key is free for the caller's next instance. */
  retire(port: RouterPort<unknown>): void {
    if (this.#open.get(port.key) !== port) return
    this.#open.delete(port.key)
    port.state = 'retired'
    const queue = this.#retired.get(port.key)
    if (queue === undefined) this.#retired.set(port.key, [port])
    else queue.push(port)
    this.#retiredCount++
  }

  /** Called by a port: it takes nothing more. */
  release(port: RouterPort<unknown>): void {
    const { key } = port
    if (port.state === 'open' && this.#open.get(key) === port) this.#open.delete(key)
    const queue = port.state === 'retired' ? this.#retired.get(key) : undefined
    const at = queue?.indexOf(port) ?? -1
    if (at >= 0) {
      queue!.splice(at, 1)
      this.#retiredCount--
      if (queue!.length === 0) this.#retired.delete(key)
    }
    port.state = 'released'
    // What was held behind this instance now belongs to the next receiver, if there is one.
    if (at === 0) this.#drainSoon(key)
  }

  /** Where the peer's next message for `key` goes: its oldest retired port, else its open one. */
  #receiver(key: string): RouterPort<unknown> | undefined {
    return this.#retired.get(key)?.[0] ?? this.#open.get(key)
  }

  #drainSoon(key: string): void {
    if (!this.held.has(key)) return
    queueMicrotask(() => {
      try {
        this.drainPending(key)
      } catch (err) {
        this.fail(err instanceof NetError ? err : new NetError('protocol', 'bad port message', { cause: err }))
      }
    })
  }

  /**
   * Routes one message from the peer, of estimated heap size `cost`; throws NetError `protocol`
   * on a broken sequence or past the memory budget.
   */
  route(key: string, kind: string | undefined, message: unknown, cost: number): void {
    let port = this.#receiver(key)
    if (port === undefined && kind !== undefined && !this.held.has(key) && this.#acceptors.offer(kind, key)) {
      port = this.#receiver(key)
      if (port === undefined) return // refused: the acceptor opened the port, answered and released it
    }
    this.deliveringCost = cost
    if (!this.held.has(key) && port !== undefined) {
      if (kind === undefined && port.introduced) return deliver(port, message)
      if (kind !== undefined && !port.introduced) {
        checkKind(key, port.kind, kind)
        port.introduced = true
        return deliver(port, message)
      }
    }
    // Without a kind the message continues an instance; with nothing held for the key, there is
    // no instance it could continue (none open here, or one whose first message never came).
    if (!this.held.has(key) && kind === undefined && (port === undefined || !port.introduced)) {
      throw peerSent(`a message for operation "${key}" before its first message`)
    }
    this.held.hold(key, kind, message, cost)
  }

  /** Routes a peer's `cancel`; throws NetError `protocol` for a port that cannot be cancelled. */
  routeCancel(key: string): void {
    const port = this.#receiver(key)
    const outcome = this.held.cancel(key, port !== undefined && !port.introduced)
    switch (outcome) {
      case 'not-held':
        // Nothing open, or a later instance whose first message has not come: the cancelled
        // one was settled and released here, and its result is on its way to the peer.
        if (port !== undefined && port.introduced) cancelPort(port)
        return
      case 'marked':
        void this.host.sendCancel(key, 'cancelled').catch(noop)
        return
      case 'queued':
      case 'repeated':
        return
      default:
        return unreachable(outcome)
    }
  }

  /** Routes the peer's `cancelled` answer; throws NetError `protocol` unless a port here awaits it. */
  routeCancelled(key: string): void {
    // Only a call still waiting for its verdict cancels, and it is not retired before the answer.
    const handlers = this.#open.get(key)?.handlers
    if (handlers?.onCancelAnswered === undefined) {
      throw peerSent(`an answer to a cancel for operation "${key}", which was not cancelled here`)
    }
    handlers.onCancelAnswered()
  }

  /** Drops what is held for the keys of the scope at `path` (scope-path.ts): it ended. */
  dropScope(path: string): void {
    this.held.dropScope(path)
  }

  /** Tells every open port the session closed, and drops everything held. */
  closeAll(reason: NetError): void {
    if (this.closedReason !== undefined) return
    this.closedReason = reason
    const ports = [...this.#open.values(), ...[...this.#retired.values()].flat()]
    this.#open.clear()
    this.#retired.clear()
    this.#retiredCount = 0
    this.held.clear()
    for (const port of ports) port.handlers.onClose(reason)
  }

  /** The peer cancelled this instance before this side opened it: refuse to open it, once. */
  private refuseIfCancelled(kind: string, key: string, handlers: PortHandlers<unknown>): void {
    const cancelledKind = this.held.takeCancelled(key)
    if (cancelledKind === undefined) return
    const misuse =
      cancelledKind !== kind ? kindMismatch(key, kind, cancelledKind) : handlers.onPeerCancel === undefined ? cannotCancel(key, kind) : undefined
    if (misuse !== undefined) {
      this.fail(misuse)
      throw misuse
    }
    throw new NetError('aborted', `${kind} "${key}" was aborted by the peer before it was called here`)
  }

  /** Hands what is held for `key` to its receivers, one instance each, while they can take one. */
  private drainPending(key: string): void {
    for (let port = this.#receiver(key); port !== undefined && !port.introduced && this.held.has(key); port = this.#receiver(key)) {
      const receiver = port
      let took = false
      // Deliver this instance's items: its first message (it names the kind), those after it, and
      // a cancel queued behind them; the next first message belongs to a later use of the key.
      this.held.takeInstance(key, (item, index) => {
        // Released meanwhile: a cancel behind its last message is moot (its result is on its way).
        if (this.#receiver(key) !== receiver) return item.type === 'cancel'
        if (index === 0 && (item.type !== 'message' || item.kind === undefined)) {
          if (item.type === 'cancelled') return false // a mark: the caller's next open refuses it
          throw peerSent(`a message for operation "${key}" before its first message`)
        }
        // Its charge moves to whatever keeps the message now (an inbox), not counted twice.
        this.deliveringCost = this.held.releaseCost(item)
        deliverHeld(receiver, item)
        took = true
        return true
      })
      if (!took) return
    }
  }
}
