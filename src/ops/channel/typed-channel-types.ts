import type { NetError } from '../../base/errors.js'

/** Options for `session.channel`. */
export interface TypedChannelOptions {
  /**
   * How many messages this side buffers for its reader; the peer's `send` waits beyond that. An
   * integer ≥ 1.
   * @default 256
   * @example `session.channel('moves', { window: 32 })`
   */
  window?: number
  /**
   * How many bytes (binary and string payloads, about 8 per other item) this side buffers for its
   * reader. One message may overshoot it, so a value larger than the budget still gets through.
   * An integer ≥ 1.
   * @default 16777216 (16 MiB)
   * @example `session.channel('files', { windowBytes: 4 * 1024 * 1024 })`
   */
  windowBytes?: number
}

/** Options for {@link TypedChannel.send}. */
export interface ChannelSendOptions {
  /** Withdraws the value while it still waits for credit; it is then never sent. */
  signal?: AbortSignal
}

/**
 * An ordered, typed, bi-directional message channel between the two peers, with flow control:
 * the reader grants credit as it takes messages, so neither side buffers more than its window.
 * Values from the peer are not checked against `T`; validate them if the peer is untrusted.
 *
 * @example
 * ```ts
 * await using moves = session.channel<Move>('moves')
 * await moves.send({ x: 1, y: 2 })
 * for await (const move of moves) apply(move)   // ends when the peer closes its side
 * ```
 */
export interface TypedChannel<T> extends AsyncIterable<T> {
  /** The name both peers opened the channel under. */
  readonly key: string
  /**
   * Sends one value; resolves once the transport took it. Waits until the peer has opened the
   * channel (its window comes with its first message), while the peer's window is full, and while
   * the transport is backed up. Rejects with NetError `usage` for a value that cannot be
   * encoded (the channel stays usable), for bad options, or after `close()`, `aborted` when `signal` fires first,
   * `closed` once the peer stopped reading, or the session's error once it closed.
   */
  send(value: T, options?: ChannelSendOptions): Promise<void>
  /**
   * Closes this side for sending (a half-close): values already passed to `send` still go out
   * (so it waits while they wait for credit), then the peer's iteration ends. Resolves once that
   * end went to the transport. This side may still read until the peer closes too. Idempotent.
   * Rejects with the session's reason if the session closed before the end went out (the peer may
   * then have missed values sent before it).
   */
  close(): Promise<void>
  /**
   * Resolves once the channel has closed, with the NetError that says why, and never rejects:
   * code `closed` once both sides have closed it (the message says which side closed first) and
   * the key is free again, or the session's own NetError (`closed`, `timeout`, `protocol`, …) if
   * the session closed first. `await channel.closed` never throws.
   */
  readonly closed: Promise<NetError>
  /** Messages received and not yet taken by the reader (never above `window`). */
  readonly bufferedMessages: number
  /** Bytes (as the byte window counts them) received and not yet taken by the reader. */
  readonly bufferedBytes: number
  /**
   * Yields the peer's values in order; ends after the peer's `close()`. One reader at a time (a
   * second one throws NetError `usage`). Leaving the loop early (`break`, `throw`) closes the
   * channel: this side stops reading and sending, and the peer's sends reject with `closed`.
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>
  /** Closes both directions at once and waits until the key is free; never rejects. */
  [Symbol.asyncDispose](): Promise<void>
}
