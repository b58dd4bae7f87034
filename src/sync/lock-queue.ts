import type { NetError } from '../errors.js'
import type { Deferred } from '../internal/deferred.js'
import type { LockMode, QueuedRequest } from './lock-wire.js'

/** A request of this side that waits (at the token holder, here or there). */
export interface Waiter<G> extends QueuedRequest {
  readonly done: Deferred<G>
  /** Removes the abort listener; called once the request is settled. */
  stopAbort: () => void
}

/**
 * Both sides' waiting requests in one FIFO order: by Lamport timestamp, the leader's first on a
 * tie. This side's own requests are always here; the peer's only while this side holds the token.
 */
export class LockQueue<G> {
  local: Waiter<G>[] = []
  remote: QueuedRequest[] = []

  constructor(private readonly isLeader: boolean) {}

  get isEmpty(): boolean {
    return this.local.length === 0 && this.remote.length === 0
  }

  /** Whose request heads the queue (`local[0]` or `remote[0]`); undefined when it is empty. */
  headSide(): 'local' | 'remote' | undefined {
    const mine = this.local[0]
    const theirs = this.remote[0]
    if (theirs === undefined) return mine && 'local'
    if (mine === undefined || mine.ts > theirs.ts || (mine.ts === theirs.ts && !this.isLeader)) return 'remote'
    return 'local'
  }

  /** Removes one of this side's requests; false if it is no longer waiting. */
  removeLocal(waiter: Waiter<G>): boolean {
    const at = this.local.indexOf(waiter)
    if (at >= 0) this.local.splice(at, 1)
    return at >= 0
  }

  /** Removes the peer's request `id`; false if it is not here. */
  removeRemote(id: number): boolean {
    const at = this.remote.findIndex((r) => r.id === id)
    if (at >= 0) this.remote.splice(at, 1)
    return at >= 0
  }

  /** This side's requests as the token carries them to the peer. */
  carried(): QueuedRequest[] {
    if (this.local.length === 0) return []
    return this.local.map(({ id, ts, mode }) => ({ id, ts, mode }))
  }

  /** This side's waiting request `id`, if it still waits. */
  findLocal(id: number): Waiter<G> | undefined {
    for (const waiter of this.local) if (waiter.id === id) return waiter
    return undefined
  }

  /** This side's requests up to `id`, taken off the queue (a lease granted them). */
  takeLocalUpTo(id: number): Waiter<G>[] {
    let n = 0
    while (n < this.local.length && this.local[n]!.id <= id) n++
    return this.local.splice(0, n)
  }

  /** True if one of this side's requests up to `id` has `mode`. */
  hasLocalUpTo(id: number, mode: LockMode): boolean {
    return this.local.some((w) => w.id <= id && w.mode === mode)
  }

  /** Empties the queue, rejecting this side's requests with `reason`. */
  rejectAll(reason: NetError): void {
    this.remote = []
    for (const waiter of this.local.splice(0)) {
      waiter.stopAbort()
      waiter.done.reject(reason)
    }
  }
}
