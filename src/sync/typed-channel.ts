import { NetError } from '../errors.js'
import type { OpHost } from '../session/op-host.js'

/** Options for `session.channel`. */
export interface TypedChannelOptions {
  /**
   * How many messages the receiving side buffers before the sender waits.
   * @default 256
   */
  window?: number
}

/** An ordered, typed, bi-directional message channel between the two peers. */
export interface TypedChannel<T> extends AsyncIterable<T> {
  readonly key: string
  /** Sends one value; waits while the peer's buffer is full. */
  send(value: T, options?: { signal?: AbortSignal }): Promise<void>
  /** Closes this side; the peer's iteration ends after what was already sent. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export function openTypedChannel<T>(host: OpHost, key: string, options: TypedChannelOptions): TypedChannel<T> {
  void host
  void options
  throw new NetError('usage', `channel "${key}" is not implemented yet`)
}
