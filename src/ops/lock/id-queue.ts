/**
 * A first-in first-out queue of requests with ids, where any request can also be removed by id in
 * O(1): removal leaves a hole that the head skips later (each hole once), and the array is
 * compacted once holes fill half of it. A peer can queue a million lock requests and cancel ones
 * that are long gone; neither may cost a scan of the queue.
 */
export class IdQueue<T extends { readonly id: number }> {
  #items: (T | undefined)[] = []
  /** Index of the first slot that may hold a request. */
  #head = 0
  /** Slot of each queued id, counted from the start of the queue's life (`#base` + index). */
  readonly #slots = new Map<number, number>()
  #base = 0

  get size(): number {
    return this.#slots.size
  }

  push(item: T): void {
    this.#slots.set(item.id, this.#base + this.#items.length)
    this.#items.push(item)
  }

  /** The request at the head, if any. */
  first(): T | undefined {
    while (this.#head < this.#items.length && this.#items[this.#head] === undefined) this.#head++
    return this.#items[this.#head]
  }

  /** Removes and returns the request at the head. */
  shift(): T | undefined {
    const item = this.first()
    if (item !== undefined) this.delete(item.id)
    return item
  }

  get(id: number): T | undefined {
    const slot = this.#slots.get(id)
    return slot === undefined ? undefined : this.#items[slot - this.#base]
  }

  /** Removes request `id`; false if it is not queued. */
  delete(id: number): boolean {
    const slot = this.#slots.get(id)
    if (slot === undefined) return false
    this.#slots.delete(id)
    this.#items[slot - this.#base] = undefined
    this.#compact()
    return true
  }

  /** The queued requests, in order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i]
      if (item !== undefined) yield item
    }
  }

  /** Removes and returns every queued request, in order. */
  drain(): T[] {
    // Every hand-off drains an empty queue: that must not allocate (Map.clear builds a new table).
    if (this.size === 0) return []
    const all = [...this]
    this.#items.length = 0
    this.#head = 0
    this.#slots.clear()
    this.#base = 0
    return all
  }

  /** Drops the holes once they fill half the array (amortized O(1) per removal). */
  #compact(): void {
    if (this.#slots.size === 0) {
      this.#base += this.#items.length
      this.#items.length = 0
      this.#head = 0
      return
    }
    if (this.#items.length < 64 || this.#slots.size * 2 > this.#items.length) return
    const kept: T[] = []
    for (const item of this) {
      this.#slots.set(item.id, this.#base + this.#items.length + kept.length)
      kept.push(item)
    }
    this.#base += this.#items.length
    this.#items = kept
    this.#head = 0
  }
}
