import { NetError } from '../../base/errors.js'
import { deferred } from '../../base/deferred.js'
import type { OpHost } from '../../core/op-host.js'
import type { Port } from '../../core/port.js'
import type { MemoryBudget } from '../../base/memory-budget.js'
import { LockOutbox } from './lock-outbox.js'
import { encodeLockMessage, parseLockMessage, type LockMessage } from './lock-wire.js'

/** The messages the lock engine handles; `close` and `broken` stay with the link. */
export type EngineMessage = Exclude<LockMessage, { type: 'close' | 'broken' }>

/** What a link tells its lock. */
export interface LinkHandlers {
  /** One message of the peer's side of this lock, while the lock is open. */
  onMessage(message: EngineMessage): void
  /** The lock stops, for `reason`: reject whatever waits. Called once, before any closing message goes out. */
  onStop(reason: NetError): void
}

/**
 * One side of a lock's connection to the peer: its port, its outbox and the close handshake of
 * `lock-wire.ts`. The lock stops when it is closed here, when the peer's `close` or `broken`
 * arrives, when a value cannot be sent, or when the session closes; the key is freed once both
 * sides' closing messages have crossed (or the session closed), and `freed` then resolves.
 */
export class LockLink {
  readonly #port: Port<unknown[]>
  readonly #outbox: LockOutbox
  #stopReason: NetError | undefined
  #sentClosing = false
  readonly #freed = deferred<NetError>()

  constructor(
    host: OpHost,
    kind: 'mutex' | 'rwlock',
    readonly key: string,
    private readonly handlers: LinkHandlers,
  ) {
    const exclusiveOnly = kind === 'mutex'
    this.#port = host.openPort<unknown[], LockMessage>(kind, key, {
      parse: (raw) => parseLockMessage(raw, exclusiveOnly),
      onMessage: (message) => this.#onMessage(message),
      onClose: (reason) => this.#onSessionClose(reason),
    })
    this.#outbox = new LockOutbox(this.#port, (err) => this.#broken(err))
  }

  get isLeader(): boolean {
    return this.#port.isLeader
  }

  /** The session's memory budget, which the peer's queued requests are charged to. */
  get memory(): MemoryBudget {
    return this.#port.memory
  }

  /** Why the lock stopped; undefined while it works. */
  get stopReason(): NetError | undefined {
    return this.#stopReason
  }

  /** Resolves with the reason the lock stopped, once its key is free again. Never rejects. */
  get freed(): Promise<NetError> {
    return this.#freed.promise
  }

  /**
   * The shared timeline in ms, or undefined while this side has no clock estimate (a follower's
   * `now()` is then just its own clock, which may be any distance from the leader's).
   */
  sharedTime(): number | undefined {
    return Number.isFinite(this.#port.clockErrorBound()) ? this.#port.now() : undefined
  }

  /** Sends `message` in order (see {@link LockOutbox.send}); dropped once the lock stopped. */
  send(message: EngineMessage, track = false): Promise<void> | undefined {
    return this.#outbox.send(message, track)
  }

  /** Stops the lock with `reason` and tells the peer; resolves once the key is free. Idempotent. */
  close(reason: NetError): Promise<NetError> {
    this.#stop(reason, { type: 'close' })
    return this.#freed.promise
  }

  #onMessage(m: LockMessage): void {
    if (m.type === 'close' || m.type === 'broken') return this.#onPeerClosing(m)
    // Sent before the peer saw our close: that instance is over.
    if (this.#stopReason === undefined) this.handlers.onMessage(m)
  }

  /** The peer's last message for this instance: answer it (unless ours crossed it) and free the key. */
  #onPeerClosing(m: LockMessage & { type: 'close' | 'broken' }): void {
    const reason =
      m.type === 'broken'
        ? new NetError('usage', `lock "${this.key}" broke on the peer: ${m.reason}`)
        : new NetError('closed', `the peer closed lock "${this.key}"`)
    this.#stop(reason, { type: 'close' })
    this.#free()
  }

  /** A value could not be sent (too large for the peer): close the lock on both sides, saying why. */
  #broken(err: NetError): void {
    const reason = new NetError('usage', `lock "${this.key}" is unusable: its value could not be sent (${err.message})`, { cause: err })
    this.#stop(reason, { type: 'broken', reason: err.message })
  }

  #onSessionClose(reason: NetError): void {
    this.#stop(reason, undefined)
    this.#free()
  }

  #stop(reason: NetError, closing: LockMessage | undefined): void {
    if (this.#stopReason === undefined) {
      this.#stopReason = reason
      this.#outbox.stop()
      this.handlers.onStop(reason)
    }
    if (closing === undefined || this.#sentClosing) return
    this.#sentClosing = true
    // Straight to the port: behind what the transport took, ahead of nothing (the outbox dropped the rest).
    void this.#port.post(encodeLockMessage(closing))
  }

  #free(): void {
    this.#port.release()
    this.#freed.resolve(this.#stopReason!)
  }
}
