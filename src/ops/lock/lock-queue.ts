import type { NetError } from '../../base/errors.js'
import type { Deferred } from '../../base/deferred.js'
import type { NetLockMode, QueuedRequest } from './lock-wire.js'

/** A request of this side that waits (at the token holder, here or there). */
export interface Waiter<G> extends QueuedRequest {
  readonly done: Deferred<G>
  /** Removes the abort listener; called once the request is settled. */
  stopAbort: () => void
}

/** A queued request as a {@link LockTracer} sees it: whose it is (`mine`: this side's), its id and stamp. */
export interface TracedRequest {
  readonly mine: boolean
  readonly id: number
  readonly ts: number
}

/**
 * Watches a lock's ordering decisions, for the randomized checker: it proves that grants follow
 * real time among the requests the deciding side knew of. Not part of the public API.
 */
export interface LockTracer {
  /** A request of this side was queued with `id` and stamp `ts` (synchronously, inside the call). */
  queued(id: number, ts: number): void
  /** `request` was granted from the head of the queue; `waiting` is everything still queued here. */
  granted(request: TracedRequest, waiting: TracedRequest[]): void
}

/**
 * Both sides' waiting requests in one first-come first-served order: by stamp (each side's hybrid
 * logical clock, see `lock-sequence.ts`), the leader's first on a tie. Each side's stamps only
 * grow, so each list is in order by itself. This side's own requests are always here; the peer's
 * only while this side holds the token.
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

  /** Everything queued here, for a {@link LockTracer}. */
  traced(): TracedRequest[] {
    const mine = this.local.map(({ id, ts }) => ({ mine: true, id, ts }))
    return mine.concat(this.remote.map(({ id, ts }) => ({ mine: false, id, ts })))
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
  hasLocalUpTo(id: number, mode: NetLockMode): boolean {
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
