import type { NetError } from '../../base/errors.js'
import type { Deferred } from '../../base/deferred.js'
import type { MemoryBudget } from '../../base/memory-budget.js'
import { IdQueue } from './id-queue.js'
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

/** What one of the peer's queued requests costs: its object, queue slot and id index entry. */
const REMOTE_REQUEST_COST = 128

/**
 * Both sides' waiting requests in one first-come first-served order: by stamp (each side's hybrid
 * logical clock, see `lock-sequence.ts`), the leader's first on a tie. Each side's stamps (and
 * ids) only grow, so each list is in order by itself. This side's own requests are always here;
 * the peer's only while this side holds the token, each charged to the session's memory budget.
 * Removing a request by id costs O(1) (see {@link IdQueue}).
 */
export class LockQueue<G> {
  readonly local = new IdQueue<Waiter<G>>()
  readonly remote = new IdQueue<QueuedRequest>()

  constructor(
    private readonly isLeader: boolean,
    private readonly budget: MemoryBudget,
    private readonly key: string,
  ) {}

  get isEmpty(): boolean {
    return this.local.size === 0 && this.remote.size === 0
  }

  /** Whose request heads the queue (`local.first()` or `remote.first()`); undefined when it is empty. */
  headSide(): 'local' | 'remote' | undefined {
    const mine = this.local.first()
    const theirs = this.remote.first()
    if (theirs === undefined) return mine && 'local'
    if (mine === undefined || mine.ts > theirs.ts || (mine.ts === theirs.ts && !this.isLeader)) return 'remote'
    return 'local'
  }

  /** Removes one of this side's requests; false if it is no longer waiting. */
  removeLocal(waiter: Waiter<G>): boolean {
    return this.local.get(waiter.id) === waiter && this.local.delete(waiter.id)
  }

  /** Queues the peer's request; throws NetError `protocol` past the memory budget. */
  addRemote(request: QueuedRequest): void {
    this.budget.charge(REMOTE_REQUEST_COST, `queued requests for lock "${this.key}"`)
    this.remote.push(request)
  }

  /** The peer's requests the token brought (they replace nothing: the queue had none of them). */
  setRemote(requests: readonly QueuedRequest[]): void {
    this.dropRemote()
    for (const request of requests) this.addRemote(request)
  }

  /** Takes the peer's request at the head off the queue. */
  shiftRemote(): QueuedRequest | undefined {
    const request = this.remote.shift()
    if (request !== undefined) this.budget.release(REMOTE_REQUEST_COST)
    return request
  }

  /** Removes the peer's request `id`; false if it is not here. */
  removeRemote(id: number): boolean {
    if (!this.remote.delete(id)) return false
    this.budget.release(REMOTE_REQUEST_COST)
    return true
  }

  /** Drops every request of the peer (the token left with them). */
  dropRemote(): void {
    this.budget.release(this.remote.drain().length * REMOTE_REQUEST_COST)
  }

  /** This side's requests as the token carries them to the peer. */
  carried(): QueuedRequest[] {
    const carried: QueuedRequest[] = []
    for (const { id, ts, mode } of this.local) carried.push({ id, ts, mode })
    return carried
  }

  /** Everything queued here, for a {@link LockTracer}. */
  traced(): TracedRequest[] {
    const traced: TracedRequest[] = []
    for (const { id, ts } of this.local) traced.push({ mine: true, id, ts })
    for (const { id, ts } of this.remote) traced.push({ mine: false, id, ts })
    return traced
  }

  /** This side's waiting request `id`, if it still waits. */
  findLocal(id: number): Waiter<G> | undefined {
    return this.local.get(id)
  }

  /** This side's requests up to `id`, taken off the queue (a lease granted them). */
  takeLocalUpTo(id: number): Waiter<G>[] {
    const taken: Waiter<G>[] = []
    for (let head = this.local.first(); head !== undefined && head.id <= id; head = this.local.first()) taken.push(this.local.shift()!)
    return taken
  }

  /** True if one of this side's requests up to `id` has `mode`. */
  hasLocalUpTo(id: number, mode: NetLockMode): boolean {
    for (const waiter of this.local) {
      if (waiter.id > id) return false
      if (waiter.mode === mode) return true
    }
    return false
  }

  /** Empties the queue, rejecting this side's requests with `reason`. */
  rejectAll(reason: NetError): void {
    this.dropRemote()
    for (const waiter of this.local.drain()) {
      waiter.stopAbort()
      waiter.done.reject(reason)
    }
  }
}
