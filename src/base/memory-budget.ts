import { peerSent } from './errors.js'

/**
 * The bytes a session may hold on the peer's behalf: everything the peer can make this side keep
 * (frames before open, chunks of unfinished frames, messages for operations not opened here,
 * channel values nobody read yet, lock requests) draws from one budget. A charge past the limit
 * throws NetError `protocol` naming the budget; the caller closes the session with it.
 *
 * Charges are estimates of the heap the held thing costs (see `heldCost` in core), released when
 * the thing is consumed or dropped. `held` never goes negative: a release after {@link clear}
 * (the session closed and dropped everything at once) is ignored.
 */
export class MemoryBudget {
  #held = 0
  #peak = 0
  /** Where charges go after {@link delegateTo}. */
  #target: MemoryBudget | undefined

  constructor(
    /** The most bytes held at once; settable until the session opens (the channel holds frames before that). */
    public limit: number,
  ) {}

  /** Bytes held now. */
  get held(): number {
    return this.#held
  }

  /** The most bytes held at once so far. */
  get peak(): number {
    return this.#peak
  }

  /** Takes `bytes` from the budget; throws NetError `protocol`, taking nothing, past the limit. */
  charge(bytes: number, what: string): void {
    if (this.#target !== undefined) return this.#target.charge(bytes, what)
    if (this.#held + bytes > this.limit) {
      throw peerSent(
        `${what} past the session's memory budget (maxHeldBytes ${this.limit}: ${this.#held} bytes held, ${bytes} more asked)`,
      )
    }
    this.#held += bytes
    if (this.#held > this.#peak) this.#peak = this.#held
  }

  /** Gives `bytes` back. */
  release(bytes: number): void {
    if (this.#target !== undefined) return this.#target.release(bytes)
    this.#held = Math.max(0, this.#held - bytes)
  }

  /**
   * From now on charges and releases go to `target` (a resumed session's budget taking over a new
   * channel's), which takes over what this budget holds: past its limit, that throws as a charge does.
   */
  delegateTo(target: MemoryBudget): void {
    target.charge(this.#held, 'frames that arrived on the new channel before the resume')
    this.#held = 0
    this.#target = target
  }

  /** Everything held was dropped at once. */
  clear(): void {
    this.#held = 0
  }
}
