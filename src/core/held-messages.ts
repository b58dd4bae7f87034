import { peerSent } from '../base/errors.js'
import type { MemoryBudget } from '../base/memory-budget.js'
import { scopeOf } from './scope/scope-path.js'

/**
 * One thing held for a key, in arrival order. Every use (instance) of a key starts with a
 * `message` that names its kind, or with the `cancelled` mark that replaced such an instance.
 */
export type Held =
  | { type: 'message'; kind: string | undefined; message: unknown; cost: number }
  /** The peer cancelled the instance whose messages precede it; delivered after them. */
  | { type: 'cancel' }
  /** All that is left of an instance the peer cancelled before this side opened it. */
  | { type: 'cancelled'; kind: string }

/** What {@link HeldMessages.cancel} did with a peer's cancel. */
export type HeldCancel =
  /** Nothing is held for the key: the cancel concerns the open port, or nothing here. */
  | 'not-held'
  /** Queued behind the held messages of the instance the port is about to receive. */
  | 'queued'
  /** The instance was never opened here: its messages were replaced by a `cancelled` mark. */
  | 'marked'
  /** The instance was already cancelled (a repeated cancel): nothing changed. */
  | 'repeated'

/** What a held cancel or mark costs: the item, its array slot and a share of its key's entry. */
const MARK_COST = 64

/**
 * Messages for keys this side has not opened yet, bounded in count and charged to the session's
 * memory budget (each message by the estimate it arrived with). A cancelled instance keeps one
 * mark in place of its messages, so that it costs no more than they did.
 */
export class HeldMessages {
  readonly #byKey = new Map<string, Held[]>()
  /** The held keys of each scope path, so that a scope's end drops them without a scan. */
  readonly #byScope = new Map<string, Set<string>>()
  #count = 0

  constructor(
    private readonly max: number,
    private readonly budget: MemoryBudget,
  ) {}

  get count(): number {
    return this.#count
  }

  has(key: string): boolean {
    return this.#byKey.has(key)
  }

  /** The keys whose first held instance is an operation of `kind` (its first message names it). */
  keysStartedAs(kind: string): string[] {
    const keys: string[] = []
    for (const [key, queue] of this.#byKey) {
      const head = queue[0]!
      if (head.type === 'message' && head.kind === kind) keys.push(key)
    }
    return keys
  }

  /** Holds one message of estimated heap size `cost`; throws NetError `protocol` past either bound. */
  hold(key: string, kind: string | undefined, message: unknown, cost: number): void {
    this.#add(key, { type: 'message', kind, message, cost })
  }

  /**
   * Applies a peer's cancel to what is held for `key`. On an ordered channel the cancel follows
   * the messages of the instance it cancels, and the peer starts no later instance of the key
   * before that one is settled, so the cancelled instance is the last one held, if any.
   * `portAwaitsHeld`: a port is open for the key and its first held messages are still to be
   * delivered to it (they belong to it).
   */
  cancel(key: string, portAwaitsHeld: boolean): HeldCancel {
    const queue = this.#byKey.get(key)
    if (queue === undefined) return 'not-held'
    const start = lastInstanceStart(queue)
    const first = queue[start]!
    // Only a mark or a first message starts an instance; a queued cancel ends one.
    if (first.type !== 'message' || first.kind === undefined || queue.at(-1)!.type === 'cancel') return 'repeated'
    if (start === 0 && portAwaitsHeld) {
      this.#add(key, { type: 'cancel' })
      return 'queued'
    }
    const dropped = queue.length - start
    for (const item of queue.splice(start, dropped, { type: 'cancelled', kind: first.kind })) this.budget.release(costOf(item))
    this.budget.charge(MARK_COST, 'messages for operations not yet opened here')
    this.#count -= dropped - 1
    return 'marked'
  }

  /** Removes and returns the kind of a `cancelled` mark at the head of `key`'s queue, if there is one. */
  takeCancelled(key: string): string | undefined {
    const queue = this.#byKey.get(key)
    const head = queue?.[0]
    if (head?.type !== 'cancelled') return undefined
    this.#remove(key, queue!, 1)
    return head.kind
  }

  /**
   * Hands the first instance held for `key` to `take`, item by item: its first message and
   * everything after it up to the next instance. An item is removed once `take` returns true;
   * false leaves it, and the rest, held.
   */
  takeInstance(key: string, take: (item: Held, index: number) => boolean): void {
    const queue = this.#byKey.get(key)
    if (queue === undefined) return
    let taken = 0
    while (taken < queue.length) {
      const item = queue[taken]!
      if ((taken > 0 && startsInstance(item)) || !take(item, taken)) break
      taken++
    }
    this.#remove(key, queue, taken)
  }

  /** Gives back a message's charge before it is handed on (it is removed right after); returns it. */
  releaseCost(item: Held): number {
    if (item.type !== 'message') return 0
    const { cost } = item
    this.budget.release(cost)
    item.cost = 0
    return cost
  }

  clear(): void {
    for (const queue of this.#byKey.values()) for (const item of queue) this.budget.release(costOf(item))
    this.#byKey.clear()
    this.#byScope.clear()
    this.#count = 0
  }

  /** Drops everything held for the keys of the scope at `path` (not its children's): it ended. */
  dropScope(path: string): void {
    for (const key of this.#byScope.get(path) ?? []) this.#remove(key, this.#byKey.get(key)!, Infinity)
  }

  #add(key: string, item: Held): void {
    if (this.#count >= this.max) {
      throw peerSent(`more than ${this.max} messages for operations not yet opened here`)
    }
    this.budget.charge(costOf(item), 'messages for operations not yet opened here')
    this.#count++
    const queue = this.#byKey.get(key)
    if (queue !== undefined) return void queue.push(item)
    this.#byKey.set(key, [item])
    const scope = scopeOf(key)
    if (scope === undefined) return
    const keys = this.#byScope.get(scope)
    if (keys === undefined) this.#byScope.set(scope, new Set([key]))
    else keys.add(key)
  }

  #remove(key: string, queue: Held[], n: number): void {
    this.#count -= Math.min(n, queue.length)
    for (let i = 0; i < n && i < queue.length; i++) this.budget.release(costOf(queue[i]!))
    if (n < queue.length) return void queue.splice(0, n)
    this.#byKey.delete(key)
    const scope = scopeOf(key)
    const keys = scope === undefined ? undefined : this.#byScope.get(scope)
    if (keys?.delete(key) === true && keys.size === 0) this.#byScope.delete(scope!)
  }
}

function costOf(item: Held): number {
  return item.type === 'message' ? item.cost : MARK_COST
}

function startsInstance(item: Held): boolean {
  return item.type === 'cancelled' || (item.type === 'message' && item.kind !== undefined)
}

/** The index where the last instance in `queue` starts (a queue always starts with one). */
function lastInstanceStart(queue: Held[]): number {
  for (let i = queue.length - 1; i > 0; i--) if (startsInstance(queue[i]!)) return i
  return 0
}
