import { NetError } from '../base/errors.js'
import { MemoryBudget } from '../base/memory-budget.js'
import { Reassembler } from './chunk-codec.js'

/** What holding one early frame costs beyond its bytes (its view, buffer and array slot). */
export const EARLY_FRAME_OVERHEAD_BYTES = 256
/** The memory budget of a channel no session has set one for: safe for a browser tab. */
export const DEFAULT_MAX_HELD_BYTES = 64 * 1024 * 1024

/**
 * The receiving half of a frame channel: reassembles chunks into frames and hands each to the
 * receiver, holding the frames that arrive before a receiver is set.
 */
export class FrameReceiver {
  readonly #reassembler: Reassembler
  #receiver: ((frame: Uint8Array) => void) | undefined
  #early: Uint8Array[] = []
  #earlyCharged = 0
  #stopped = false
  /**
   * What the peer makes this side hold: unfinished frames and frames before a receiver is set.
   * The session that reads this channel takes it over (see `channelBudget`) and sets its limit.
   */
  readonly budget = new MemoryBudget(DEFAULT_MAX_HELD_BYTES)

  /** `fail` is called when the peer's chunks are malformed or the peer exceeds the budget. */
  constructor(
    maxFrameBytes: number,
    private readonly fail: (reason: NetError) => void,
  ) {
    this.#reassembler = new Reassembler(maxFrameBytes, this.budget)
  }

  /** One chunk from the transport. */
  push(chunk: Uint8Array): void {
    if (this.#stopped) return
    let frame: Uint8Array | undefined
    try {
      frame = this.#reassembler.push(chunk)
    } catch (err) {
      this.fail(err instanceof NetError ? err : new NetError('protocol', 'bad chunk', { cause: err }))
      return
    }
    if (frame === undefined) return
    if (this.#receiver !== undefined) return this.#receiver(frame)
    const cost = frame.length + EARLY_FRAME_OVERHEAD_BYTES
    try {
      this.budget.charge(cost, 'frames before the session opened')
    } catch (err) {
      return this.fail(err as NetError)
    }
    this.#earlyCharged += cost
    this.#early.push(frame)
  }

  /** Sets the receiver and hands it the frames held so far. */
  onFrame(next: (frame: Uint8Array) => void): void {
    this.#receiver = next
    const held = this.#early
    this.#early = []
    this.budget.release(this.#earlyCharged)
    this.#earlyCharged = 0
    for (const frame of held) {
      if (this.#stopped) return
      next(frame)
    }
  }

  /** Drops what is held, unfinished frames included; later chunks are ignored. */
  stop(): void {
    this.#stopped = true
    this.#early = []
    this.budget.release(this.#earlyCharged)
    this.#earlyCharged = 0
    this.#reassembler.clear()
  }
}

/** Where a channel built by {@link FrameReceiver}-backed channel} keeps its receiver's budget. */
const CHANNEL_BUDGET = Symbol('netbeam.channelBudget')

/** Marks `channel` as holding `budget`, for the session that will read it. */
export function withBudget<C extends object>(channel: C, budget: MemoryBudget): C {
  Object.defineProperty(channel, CHANNEL_BUDGET, { value: budget })
  return channel
}

/**
 * A resumed session reads `channel` from now on: the channel's receiver charges `budget` (the
 * session's) instead of its own, and what it held so far moves there.
 */
export function shareBudget(channel: object, budget: MemoryBudget): void {
  const own: unknown = (channel as Record<symbol, unknown>)[CHANNEL_BUDGET]
  if (own instanceof MemoryBudget && own !== budget) own.delegateTo(budget)
}

/**
 * The budget a session reading `channel` uses, with its limit set: the channel's own when one of
 * netbeam's adapters built it (it already holds what arrived before the session), else a new one.
 */
export function adoptBudget(channel: object, limit: number): MemoryBudget {
  const own: unknown = (channel as Record<symbol, unknown>)[CHANNEL_BUDGET]
  const budget = own instanceof MemoryBudget ? own : new MemoryBudget(limit)
  budget.limit = limit
  return budget
}
