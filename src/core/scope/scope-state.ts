import { NetError, peerSent } from '../../base/errors.js'
import { deferred } from '../../base/deferred.js'
import { noop } from '../../base/noop.js'
import { onAbort } from '../../base/abort.js'
import type { OpHost } from '../op-host.js'
import type { CancellablePort, PortHandlers } from '../port.js'
import { routingKey, showPath } from './scope-path.js'
import { ScopedPort, type PortOwner } from './scoped-port.js'
import type { PortRouter } from '../port-router.js'

/** How a side ends its use of a scope: `fin` (close) or `reset`. */
export type ScopeEnd = 'fin' | 'reset'

/** What a scope needs from the session's scope registry. */
export interface ScopeOwner {
  readonly session: { readonly closedReason: NetError | undefined; readonly clock: { readonly rttMs: number; readonly recentDelayMs: number } }
  readonly router: PortRouter
  sendEnd(path: string, how: ScopeEnd, reason: string): Promise<void>
  /** The scope is over on both sides: its name is free again. */
  forget(state: ScopeState): void
}

/**
 * One use of a scope on this side: its key space (default key counters, the ports of its
 * operations), and where it is in ending (docs/scopes-design.md). Each side sends one end frame
 * per use, after its last frame in it; the use is forgotten, and its name free again, once this
 * side sent its end, the peer's end arrived and no port of it is left.
 */
export class ScopeState implements OpHost, PortOwner {
  readonly children = new Set<ScopeState>()
  readonly #ports = new Set<ScopedPort<unknown>>()
  /** One-shot operations whose calls have not settled: this side's end waits for them. */
  #running = 0
  readonly #counters = new Map<string, number>()
  /** Stops accepting the peer's operations (rpc services): when this side ends the scope. */
  readonly #acceptors = new Set<() => void>()
  readonly #abort = new AbortController()
  /** Why calls in it are refused: set once either side ended it (or the session closed). */
  ended: NetError | undefined
  /** How this side ends it, once it decided to (its end frame goes out when nothing runs). */
  #ending: { how: ScopeEnd; reason: string } | undefined
  #sentEnd = false
  #peerEnd: ScopeEnd | undefined
  /** Sends of this scope's frames not yet on the wire: its end frame goes after them. */
  pendingSends = 0
  readonly #done = deferred<NetError>()
  #stopSignal = noop

  constructor(
    private readonly registry: ScopeOwner,
    readonly path: string,
    public parent: ScopeState | undefined,
    /** False for a scope only the peer used so far (it ended it before this side opened it). */
    public local: boolean,
  ) {}

  /** Resolves, with why it ended, once this use of the scope is over on both sides. */
  get done(): Promise<NetError> {
    return this.#done.promise
  }

  /** Aborts (with a NetError `aborted`) when either side resets the scope: every one-shot call in it listens. */
  get signal(): AbortSignal {
    return this.#abort.signal
  }

  get peerEnded(): boolean {
    return this.#peerEnd !== undefined
  }

  get closedReason(): NetError | undefined {
    return this.registry.session.closedReason
  }

  get clock(): { readonly rttMs: number; readonly recentDelayMs: number } {
    return this.registry.session.clock
  }

  /** syncStart batches the follower's `ready` messages per session, across its scopes. */
  get batch(): object {
    return this.registry.session
  }

  /** Resets the scope when `signal` aborts, until the scope is over. */
  watch(signal: AbortSignal | undefined): void {
    this.#stopSignal = onAbort(signal, () => this.reset(reasonText(signal!.reason)))
  }

  /** Accepts the peer's operations of `kind` in this scope (its keys unprefixed) until this side ends it. */
  acceptPorts(kind: string, accept: (key: string) => void): () => void {
    if (this.#ending !== undefined) return noop
    const prefix = this.path.length + 1
    const stop = this.registry.router.acceptPorts(kind, (key) => accept(key.slice(prefix)), this.path)
    this.#acceptors.add(stop)
    return () => {
      this.#acceptors.delete(stop)
      stop()
    }
  }

  nextKey(kind: string): string {
    const n = (this.#counters.get(kind) ?? 0) + 1
    this.#counters.set(kind, n)
    return `${kind}#${n}`
  }

  openPort<Out, In>(kind: string, key: string, handlers: PortHandlers<In>): CancellablePort<Out> {
    const closed = this.registry.session.closedReason ?? this.ended
    if (closed !== undefined) throw closed
    const port = new ScopedPort<Out>(this, key, handlers as PortHandlers<unknown>)
    try {
      port.attach(this.registry.router.openPort<Out, unknown>(kind, routingKey(this.path, key), port.routerHandlers()))
    } catch (err) {
      // The router names the routing key: show its scope path as `a/b/key`.
      throw err instanceof NetError ? new NetError(err.code, showPath(err.message), { cause: err }) : err
    }
    this.#ports.add(port as ScopedPort<unknown>)
    if (port.running) this.#running++
    return port
  }

  /** `close()`: refuses new calls, and sends `fin` once this side's running calls settled. */
  close(): Promise<NetError> {
    this.#end('fin', new NetError('closed', `scope "${showPath(this.path)}" was closed`), '')
    return this.done
  }

  /** `reset(reason)`: aborts every call in it, here and (by the `reset` frame) on the peer. */
  reset(reason: string): Promise<NetError> {
    this.#end('reset', new NetError('aborted', `scope "${showPath(this.path)}" was reset: ${reason}`), reason)
    return this.done
  }

  /** The peer's end frame arrived: nothing more comes from it, but answers its open calls await. */
  onPeerEnd(how: ScopeEnd, reason: string): void {
    if (this.#peerEnd !== undefined) throw peerSent(`a second end of scope "${showPath(this.path)}"`)
    this.#peerEnd = how
    const why =
      how === 'fin'
        ? new NetError('closed', `the peer closed scope "${showPath(this.path)}"`)
        : new NetError('aborted', `scope "${showPath(this.path)}" was reset by the peer: ${reason}`)
    this.ended ??= why
    // Ports the peer never used, channels, locks and retired calls get nothing more from it. Dropped
    // before the reset aborts the rest: a call the peer never made must not ask it for a verdict.
    for (const port of this.#ports) if (!port.isOneShot || !port.introduced || port.retired) port.drop(why)
    if (how === 'reset') this.#abort.abort(why)
    this.registry.router.dropScope(this.path)
    // A peer's end is answered with this side's, as soon as its own calls have settled (once
    // this side opens the scope, if it has not yet).
    if (this.local) this.#end(how, why, reason)
    this.#maybeForget()
  }

  /** This side opens a scope the peer already ended: it answers with its own end at once. */
  adopt(): void {
    this.local = true
    this.#end(this.#peerEnd!, this.ended!, '')
  }

  portGone(port: ScopedPort<unknown>): void {
    this.#ports.delete(port)
    this.#maybeForget()
  }

  settled(): void {
    this.#running--
    this.#maybeSendEnd()
  }

  /** The send of one of its frames finished. */
  sent(): void {
    this.pendingSends--
    this.#maybeSendEnd()
  }

  /** The session closed: everything in it is over (the router told its ports). */
  sessionClosed(reason: NetError): void {
    this.ended ??= reason
    this.#finish()
  }

  #end(how: ScopeEnd, why: NetError, wireReason: string): void {
    // A reset may cut short a close still waiting for running calls (its `fin` not sent yet).
    const upgrade = how === 'reset' && this.#ending?.how === 'fin' && !this.#sentEnd
    if (this.#ending !== undefined && !upgrade) return
    this.#ending = { how, reason: wireReason }
    this.#stopAccepting()
    this.ended = upgrade ? why : (this.ended ?? why)
    if (how === 'reset') this.#abort.abort(this.ended)
    for (const child of this.children) child.#end(how, how === 'fin' ? child.#closedWith(why) : why, wireReason)
    // Channels and locks end with the scope; one-shot calls settle by their own protocol.
    for (const port of this.#ports) if (!port.isOneShot) port.sink(this.ended)
    this.#maybeSendEnd()
  }

  #closedWith(parentReason: NetError): NetError {
    return new NetError('closed', `scope "${showPath(this.path)}" was closed with its parent`, { cause: parentReason })
  }

  #maybeSendEnd(): void {
    if (this.#ending === undefined || this.#sentEnd || this.#running > 0 || this.pendingSends > 0) return
    // A parent's end follows its children's (each is counted as the parent's send in flight).
    for (const child of this.children) if (!child.#sentEnd) return
    this.#sentEnd = true
    const { how, reason } = this.#ending
    void this.registry.sendEnd(this.path, how, reason).catch(noop)
    this.#maybeForget()
  }

  #maybeForget(): void {
    if (this.#sentEnd && this.#peerEnd !== undefined && this.#ports.size === 0) this.#finish()
  }

  #stopAccepting(): void {
    for (const stop of this.#acceptors) stop()
    this.#acceptors.clear()
  }

  #finish(): void {
    this.#stopAccepting()
    this.#stopSignal()
    this.registry.forget(this)
    this.#done.resolve(this.ended!)
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message
  return typeof reason === 'string' ? reason : 'aborted'
}
