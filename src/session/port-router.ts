import { NetError } from '../errors.js'
import type { Port, PortHandlers } from './port.js'

/** What a router needs from its session. */
export interface PortHost {
  readonly isLeader: boolean
  sendPortMessage(key: string, kind: string | undefined, message: unknown): Promise<void>
  now(): number
  clockErrorBound(): number
}

interface Pending {
  readonly kind: string | undefined
  readonly message: unknown
}

/**
 * Routes port messages by key. Messages for a key that is not open yet are held (bounded) until
 * it opens; a message that names another kind than the local port's is a protocol error.
 */
export class PortRouter {
  /** The open port of each key; read by the ports themselves. */
  readonly open = new Map<string, RouterPort<unknown>>()
  private readonly pending = new Map<string, Pending[]>()
  private pendingCount = 0
  /** Set once every port was closed; read by the ports themselves. */
  closedReason: NetError | undefined

  constructor(
    private readonly host: PortHost,
    private readonly maxPending: number,
    /** Called with a protocol error found outside `route` (while draining held messages). */
    private readonly fail: (err: NetError) => void,
  ) {}

  get openCount(): number {
    return this.open.size
  }

  get pendingMessages(): number {
    return this.pendingCount
  }

  openPort<Out, In>(kind: string, key: string, handlers: PortHandlers<In>): Port<Out> {
    if (this.closedReason !== undefined) throw this.closedReason
    if (this.open.has(key)) {
      throw new NetError('usage', `operation key "${key}" is already in use; give concurrent operations distinct keys`)
    }
    const port = new RouterPort<Out>(this, this.host, kind, key, handlers as PortHandlers<never>)
    this.open.set(key, port as RouterPort<unknown>)
    // Held messages go out on a microtask, so the primitive has its port before the first one.
    if (this.pending.has(key)) {
      queueMicrotask(() => {
        try {
          this.drainPending(key, port as RouterPort<unknown>)
        } catch (err) {
          this.fail(err instanceof NetError ? err : new NetError('protocol', 'bad port message', { cause: err }))
        }
      })
    }
    return port
  }

  /** Routes one message from the peer; throws NetError `protocol` on a broken sequence. */
  route(key: string, kind: string | undefined, message: unknown): void {
    const queue = this.pending.get(key)
    const port = this.open.get(key)
    if (queue === undefined && port !== undefined) {
      if (kind === undefined && port.introduced) return deliver(port, message)
      if (kind !== undefined && !port.introduced) {
        checkKind(key, port.kind, kind)
        port.introduced = true
        return deliver(port, message)
      }
    }
    // Without a kind the message continues an instance; with nothing held for the key, there is
    // no instance it could continue (none open here, or one whose first message never came).
    if (queue === undefined && kind === undefined && (port === undefined || !port.introduced)) {
      throw new NetError('protocol', `peer sent a message for operation "${key}" before its first message`)
    }
    if (this.pendingCount >= this.maxPending) {
      throw new NetError('protocol', `peer sent more than ${this.maxPending} messages for operations not yet opened here`)
    }
    this.pendingCount++
    if (queue === undefined) this.pending.set(key, [{ kind, message }])
    else queue.push({ kind, message })
  }

  /** Tells every open port the session closed, and drops everything held. */
  closeAll(reason: NetError): void {
    if (this.closedReason !== undefined) return
    this.closedReason = reason
    const ports = [...this.open.values()]
    this.open.clear()
    this.pending.clear()
    this.pendingCount = 0
    for (const port of ports) port.handlers.onClose(reason)
  }

  private drainPending(key: string, port: RouterPort<unknown>): void {
    const queue = this.pending.get(key)
    if (queue === undefined || this.open.get(key) !== port) return
    const first = queue[0]
    if (first === undefined || first.kind === undefined) {
      throw new NetError('protocol', `peer sent a message for operation "${key}" before its first message`)
    }
    // Deliver this instance's messages: the first one (it names the kind) and those after it up to
    // the next first message, which belongs to a later use of the key.
    let taken = 0
    while (taken < queue.length && this.open.get(key) === port) {
      const item = queue[taken]!
      if (taken > 0 && item.kind !== undefined) break
      taken++
      this.pendingCount--
      if (item.kind !== undefined) {
        checkKind(key, port.kind, item.kind)
        port.introduced = true
      }
      deliver(port, item.message)
    }
    if (taken >= queue.length) this.pending.delete(key)
    else queue.splice(0, taken)
  }
}

const RESOLVED = Promise.resolve()

function ignore(): void {}

/**
 * One operation's port: a class rather than an object of closures, because every join, select
 * and exchange opens one.
 */
class RouterPort<Out> implements Port<Out> {
  readonly isLeader: boolean
  /** The peer's first message (which names the kind) has arrived. */
  introduced = false
  #sentFirst = false

  constructor(
    private readonly router: PortRouter,
    private readonly host: PortHost,
    readonly kind: string,
    readonly key: string,
    readonly handlers: PortHandlers<never>,
  ) {
    this.isLeader = host.isLeader
  }

  get isOpen(): boolean {
    return this.router.closedReason === undefined && this.router.open.get(this.key) === (this as RouterPort<unknown>)
  }

  post(message: Out): Promise<void> {
    if (!this.isOpen) return RESOLVED
    // A failed send means the session is closing; onClose tells the primitive.
    return this.#transmit(message).catch(ignore)
  }

  send(message: Out): Promise<void> {
    if (!this.isOpen) return Promise.reject(this.router.closedReason ?? new NetError('usage', `port "${this.key}" is released`))
    try {
      return this.#transmit(message)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  release(): void {
    if (this.router.open.get(this.key) === (this as RouterPort<unknown>)) this.router.open.delete(this.key)
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

function deliver(port: RouterPort<unknown>, message: unknown): void {
  port.handlers.onMessage(port.handlers.parse(message) as never)
}

function checkKind(key: string, local: string, remote: string): void {
  if (local !== remote) {
    throw new NetError('protocol', `operation key "${key}" is used for ${local} here but for ${remote} on the peer`)
  }
}
