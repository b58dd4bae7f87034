import { decode } from 'cbor-x'
import type { FrameChannel } from '../../src/channel/frame-channel.js'

/** Port messages a counting channel has seen go out, per operation key. */
export interface MessageCounts {
  /** All port messages sent (heartbeats, clock probes and hellos are not counted). */
  total: number
  /** Bytes of those port messages as frames. */
  bytes: number
  byKey: Map<string, number>
  /** Resets every counter to zero. */
  reset(): void
  /** Port messages sent for keys that start with `prefix`. */
  forPrefix(prefix: string): number
}

/**
 * Wraps a channel and counts the port messages sent through it (decoding each outgoing session
 * frame). The real channel still carries everything: this only watches.
 */
export function countingChannel(inner: FrameChannel): { channel: FrameChannel; counts: MessageCounts } {
  const counts: MessageCounts = {
    total: 0,
    bytes: 0,
    byKey: new Map(),
    reset() {
      counts.total = 0
      counts.bytes = 0
      counts.byKey.clear()
    },
    forPrefix(prefix) {
      let n = 0
      for (const [key, count] of counts.byKey) if (key.startsWith(prefix)) n += count
      return n
    },
  }
  const channel: FrameChannel = {
    send(frame) {
      const value = decode(frame) as unknown[]
      // Tags 4 and 5 are port messages (see src/session/wire.ts); the key is the second element.
      if (value[0] === 4 || value[0] === 5) {
        const key = String(value[1])
        counts.total++
        counts.bytes += frame.length
        counts.byKey.set(key, (counts.byKey.get(key) ?? 0) + 1)
      }
      return inner.send(frame)
    },
    onFrame: (receiver) => inner.onFrame(receiver),
    get closed() {
      return inner.closed
    },
    get isClosed() {
      return inner.isClosed
    },
    get bufferedAmount() {
      return inner.bufferedAmount
    },
    close: (reason) => inner.close(reason),
  }
  return { channel, counts }
}
