import { NetError } from '../base/errors.js'
import { scopeOf } from './scope/scope-path.js'

/** Opens the port for `key` when the peer starts an operation there (see OpHost.acceptPorts). */
export type PortAcceptor = (key: string) => void

/**
 * The acceptors of one key space, one per kind: they let the peer start operations (an rpc call)
 * that this side never opened itself, instead of having their messages held until it does.
 */
export class PortAcceptors {
  readonly #byKind = new Map<string, PortAcceptor>()

  /** Registers `accept` for `kind`; throws NetError `usage` if the kind has one already. */
  add(kind: string, accept: PortAcceptor): () => void {
    if (this.#byKind.has(kind)) throw new NetError('usage', `operations of kind ${kind} already have an acceptor in this key space`)
    this.#byKind.set(kind, accept)
    return () => {
      if (this.#byKind.get(kind) === accept) this.#byKind.delete(kind)
    }
  }

  get isEmpty(): boolean {
    return this.#byKind.size === 0
  }

  /** Lets the acceptor of `kind`, if there is one, open the port for `key`; true if it was asked. */
  offer(kind: string, key: string): boolean {
    const accept = this.#byKind.get(kind)
    if (accept === undefined) return false
    accept(key)
    return true
  }
}

/**
 * The acceptors of every key space, by scope path ('' for the session's root): a peer's operation
 * is offered only to its own key space's acceptor (scope-path.ts).
 */
export class KeySpaceAcceptors {
  readonly #bySpace = new Map<string, PortAcceptors>()

  add(space: string, kind: string, accept: PortAcceptor): () => void {
    let acceptors = this.#bySpace.get(space)
    if (acceptors === undefined) this.#bySpace.set(space, (acceptors = new PortAcceptors()))
    const stop = acceptors.add(kind, accept)
    return () => {
      stop()
      if (acceptors.isEmpty && this.#bySpace.get(space) === acceptors) this.#bySpace.delete(space)
    }
  }

  offer(kind: string, key: string): boolean {
    return this.#bySpace.get(scopeOf(key) ?? '')?.offer(kind, key) ?? false
  }
}
